"""The store boundary holds: database libraries only in the store, the store above no domain.

Read from the source (every ``import`` statement, at any depth), so a lazy import inside
a function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import glasscredit

ROOT = Path(glasscredit.__file__).parent
DATABASE_LIBRARIES = ("sqlalchemy", "sqlite3", "psycopg", "alembic")
DOMAIN_AND_ABOVE = (
    "features",
    "trust",
    "scoring",
    "model",
    "rights",
    "simulate",
    "app",
    "cli",
    "api",
    "web",
    "batch",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules() -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): _imports(p) for p in sorted(ROOT.rglob("*.py"))}


def test_database_libraries_are_imported_only_in_the_store() -> None:
    outside = {
        path: sorted(n for n in names if n.split(".")[0] in DATABASE_LIBRARIES)
        for path, names in _modules().items()
        if not path.startswith("store/")
    }
    assert {p: n for p, n in outside.items() if n} == {}


def test_the_store_imports_no_domain_package() -> None:
    upward = {
        path: sorted(
            n
            for n in names
            if n.split(".")[:2][-1] in DOMAIN_AND_ABOVE and n.startswith("glasscredit.")
        )
        for path, names in _modules().items()
        if path.startswith("store/")
    }
    assert {p: n for p, n in upward.items() if n} == {}
    # and the check sees the store's real imports (it is not vacuous)
    assert "sqlalchemy" in _modules()["store/_tables.py"]
