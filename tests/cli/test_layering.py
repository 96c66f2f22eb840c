"""The CLI is a thin adapter: it reaches glasscredit only through the application layer.

A CLI module may import ``glasscredit.app`` (every use case and its typed result),
``glasscredit.exceptions`` (to raise a ``ValidationError`` for a malformed option) and
``glasscredit.config`` (the settings the context is built from) and other CLI modules.
The exceptions are ``cli/_batch.py``, the command of ``glasscredit.batch``: a front
door of its own (Spark) that calls the kernels itself, which the app layer, below the
front doors, cannot import; and ``cli/_serve.py``, which starts the REST service
(``glasscredit.api``) and signs demo tokens with its token module.
Anything else (the store, scoring, trust, rights, the policy) would let a domain rule
live in the CLI, where the REST service could not share it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import glasscredit.cli

ALLOWED = ("glasscredit.app", "glasscredit.exceptions", "glasscredit.config", "glasscredit.cli")
# module -> the further front door it may call (nothing else may)
FRONT_DOORS = {"_batch.py": ("glasscredit.batch",), "_serve.py": ("glasscredit.api",)}
CLI_DIR = Path(glasscredit.cli.__file__).parent


def imported_modules(source: str) -> list[str]:
    """Every glasscredit module a source imports, at any depth (functions included)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "glasscredit":  # from glasscredit import app -> glasscredit.app
                out.extend(f"glasscredit.{a.name}" for a in node.names)
            else:
                out.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            out.append("glasscredit.cli" + ("." + node.module if node.module else ""))
    return [m for m in out if m == "glasscredit" or m.startswith("glasscredit.")]


def _allowed(module: str, extra: tuple[str, ...] = ()) -> bool:
    return any(module == a or module.startswith(a + ".") for a in (*ALLOWED, *extra))


@pytest.mark.parametrize("path", sorted(CLI_DIR.glob("*.py")), ids=lambda p: p.name)
def test_cli_module_imports_only_the_application_layer(path: Path) -> None:
    extra = FRONT_DOORS.get(path.name, ())
    bad = [m for m in imported_modules(path.read_text()) if not _allowed(m, extra)]
    assert not bad, f"{path.name} imports {bad}: call glasscredit.app instead"


def test_the_check_catches_every_import_form() -> None:
    src = (
        "import glasscredit.scoring\n"
        "from glasscredit import store, app\n"
        "from glasscredit.policy import parse_timestamp\n"
        "def f():\n    from glasscredit.trust import compute_trust\n"
    )
    found = [m for m in imported_modules(src) if not _allowed(m)]
    assert found == [
        "glasscredit.scoring",
        "glasscredit.store",
        "glasscredit.policy",
        "glasscredit.trust",
    ]
