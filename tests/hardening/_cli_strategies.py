"""What the command-line fuzz test types: a strategy for every command and every option.

The commands come from the Typer app itself (:func:`command_paths`); each needs an entry in
:data:`SPECS` and each of its parameters a value strategy (:data:`VALUES` by name, or the
command's own ``values``), or ``test_every_command_has_a_fuzz_strategy`` fails: a new
command or option cannot be forgotten.

Values mix the meaningful (ids that exist in the fuzz ledger, real files, valid times) with
the hostile (2**70, markup, escape sequences, NaN, missing folders, damaged files), so that
examples reach past argument parsing into the use cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
import yaml
from hypothesis import strategies as st

from glasscredit.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"

S = st.SearchStrategy[str]

TEXT: S = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", str(2**70), "[/bold]", "[link=http://x]y[/link]", "\x1b[31m"]),
)


def pick(*values: str) -> S:
    """One of these values most of the time, any text otherwise."""
    return st.one_of(st.sampled_from(values), st.sampled_from(values), TEXT)


INTS = pick("0", "1", "2", "3", "-1", str(2**63), str(2**70), "1e3", "x", "")
SMALL = pick("0", "1", "3", "-1", str(2**70), "x")  # population sizes: never a large run
FLOATS = pick("0", "0.05", "0.5", "1", "-1", "nan", "inf", "-inf", "1e308", "x")
TIMES = pick(
    "2026-09-01T00:00:00Z",
    "2026-03-01T00:00:00Z",
    "2026-01-01",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-13-45T00:00:00Z",
    "garbage",
)
PERIODS = pick(
    "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z",
    "2026-08-01T00:00:00Z/2026-10-01T00:00:00Z",
    "2026-02-01T00:00:00Z/2026-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z/9999-12-31T23:59:59Z",
    "x/y",
    "/",
)
SUBJECTS = pick("s0", "s1", "s2", "nobody", "s1\n", "a" * 200)
SOURCES = pick("bank", "rentals", "community", "nosuch")
ACTORS = pick("cli", "op", "x" * 200, "\x1b[2J")
#: files the fixture writes into the working directory (and a few that cannot be read)
IN_FILES = pick(
    "feed.jsonl",
    "export.json",
    "proof.json",
    "checkpoint.json",
    "model.json",
    "data.csv",
    "broken.csv",
    "deep.json",
    "empty.json",
    "mirror",
    ".",
    "missing.json",
)
OUT_FILES = pick("out.json", "out.html", "missing/out.json", ".", "feed.jsonl/x")
DATA = pick("data.csv", "broken.csv", "builtin:german", "builtin:x", "deep.json", ".", "nope.csv")
COLUMNS = pick(
    "creditability",
    "duration_in_month",
    "age_in_years",
    "personal_status_and_sex",
    "credit_amount",
    "age_in_years=-1",
    "x=y",
)
GROUPS = pick("personal_status_and_sex=male : single", "sex=f", "x=y", "x")

#: value strategies by parameter name (a command's ``values`` override them)
VALUES: dict[str, S] = {
    "about": pick("good", "deposit_free_bike", "bank", "x"),
    "action": pick("declined", "priced", "x"),
    "actor": ACTORS,
    "against": IN_FILES,
    "all_": st.just(""),
    "applications": pick("applications.csv", "protected.csv", "broken.csv", ".", "nope.csv"),
    "approval_rate": FLOATS,
    "at": TIMES,
    "as_of": TIMES,
    "backfill": INTS,
    "bad": pick("bad", "good", "1", "0"),
    "by": ACTORS,
    "categorical": COLUMNS,
    "changed": st.just(""),
    "compare": pick("model.json", "empty.json", "missing.json"),
    "current": PERIODS,
    "cutoff": FLOATS,
    "cv_folds": pick("0", "1", "2", "-1", str(2**70)),
    "data": DATA,
    "days": INTS,
    "delivery_id": INTS,
    "dialect": pick("sqlite", "postgresql", "duckdb", "x"),
    "dispute_id": INTS,
    # a correction a dispute asks for: ATTRIBUTE=VALUE, checked on the policy's schema
    "correct": pick("days_late=12", "days_late=0", "level=4", "kind=savings", "x", "=", "a=b=c"),
    "drop": COLUMNS,
    "engine": pick("local", "x", ""),  # never spark: a JVM per example
    "event": pick('{"type": "payment.on_time", "attributes": {"amount": 10}}', "{}", "[", "x"),
    "event_id": pick("e1", "e2", "en1", "nope"),
    "events": IN_FILES,
    "file": IN_FILES,
    "folds": pick("0", "1", "2", "-1", str(2**70)),
    "fmt": pick("jsonl", "json", "csv", "parquet", "sql", "x"),
    "force": st.just(""),
    "hold": st.just(""),
    "horizon": pick("30d", "6mo", "1y", "6", "-1d", "x"),
    "host": pick("127.0.0.1", "::1", "0.0.0.0", "", "x" * 300),
    "html": OUT_FILES,
    "information": TEXT,
    "interval": FLOATS,
    "keep": COLUMNS,
    "key_id": pick("k1", "nope"),
    "known_by": TIMES,
    "kind": pick("tier", "perk", "partner", "x"),
    "lever": pick("drop", "gap", "reweigh", "monotone", "merge", "bribe", ""),
    "known_from": TIMES,
    "log_level": pick("INFO", "debug", "trace", "x", ""),
    "method": pick("logistic", "x"),
    "min_group_size": INTS,
    "model": pick("model.json", "empty.json", "deep.json", "broken.csv", ".", "missing.json"),
    "monotonic": pick("duration_in_month=-1", "credit_amount=1", "x=2", "x"),
    "name": TEXT,
    "occurred_from": TIMES,
    "occurred_to": TIMES,
    "out": OUT_FILES,
    "once": st.just(""),
    "outcome": pick("upheld", "removed", "confirmed", "changed", "x"),
    "owner": pick("operator", "bank", "x"),
    "partitions": INTS,
    "max_auc_cost": FLOATS,
    "period": pick("month", "quarter", "x"),
    "port": pick("8000", "0", "65535", "65536", "-1", str(2**70)),
    "protected": COLUMNS,
    "protected_file": pick("protected.csv", "data.csv", "broken.csv", ".", "nope.csv"),
    "public_key": pick("00" * 32, "zz", ""),
    "reason": TEXT,
    "reasons": TEXT,
    "probation": st.just(""),
    "record": st.just(""),
    "reference": PERIODS,
    "rescale": st.just(""),
    "release": pick("burst:bank:1", "x"),
    "repeats": INTS,
    "report": OUT_FILES,
    "response": TEXT,
    "review_id": INTS,
    "role": pick("operator", "source", "auditor", "x"),
    "sample_weight": COLUMNS,
    "score": st.just(""),
    "score_id": INTS,
    "score_worker": st.just(""),
    "search_splits": INTS,
    "seed": INTS,
    "since": TIMES,
    "seq": INTS,
    "set_": pick("payments_12m=3", "x=y", "=", "a"),
    "source": SOURCES,
    "special": COLUMNS,
    "status": pick("open", "upheld", "removed", "confirmed", "changed", "x"),
    "store": st.just(""),
    "subject": SUBJECTS,
    "table": pick("scores", "x y", ""),
    "target": COLUMNS,
    "target_air": FLOATS,
    "text": TEXT,
    "topic": pick("dispute.opened", "score.changed", "x"),
    "ttl": INTS,
    "until": TIMES,
    "url": pick("http://127.0.0.1:9/h", "https://127.0.0.1:9/h", "http://example.org/", "ftp://x"),
    "webhook_id": INTS,
    "why": TEXT,
    "window": pick("12mo", "90d", "1y", "0d", "-1d", "x"),
    "workers": pick("1", "2", "0", "-1", str(2**70)),
    "yes": st.just(""),
}
#: parameters every command shares: the fuzz test supplies them itself
SHARED = {"db", "policy", "as_json", "json_out"}


@dataclass(frozen=True)
class Spec:
    """How to fuzz one command.

    ``values`` overrides :data:`VALUES` for this command; ``always`` names options that are
    always given (a population size that would otherwise default to thousands, ``--once``
    for a loop); ``examples`` bounds the time the command gets.
    """

    values: dict[str, S] = field(default_factory=dict)
    always: tuple[str, ...] = ()
    examples: int = 6


HEAVY = 3  # examples for commands that fit, simulate or score a population

SPECS: dict[str, Spec] = {
    "init": Spec(examples=3),
    "ingest": Spec(),
    "events": Spec(),
    "demo": Spec(values={"subjects": SMALL}, always=("subjects",), examples=HEAVY),
    "score": Spec(),
    "refresh": Spec(),
    "explain": Spec(),
    "whatif": Spec(values={"action": pick("pay_on_time=3", "x=1", "x")}),
    "whatif-actions": Spec(examples=3),
    "next-tier": Spec(),
    "history": Spec(),
    "verify-score": Spec(),
    "trust": Spec(),
    "reports": Spec(),
    "bursts": Spec(),
    "redteam": Spec(values={"honest": SMALL}, always=("honest",), examples=HEAVY),
    "sources": Spec(),
    "export": Spec(),
    "verify-export": Spec(),
    "erase": Spec(),
    "monitor": Spec(),
    "batch": Spec(examples=HEAVY),
    "serve": Spec(),  # uvicorn.run is replaced: the arguments are checked, no port is bound
    "work": Spec(examples=3),  # one step: the fuzz test stops the loop
    "audit verify": Spec(),
    "audit prove": Spec(),
    "audit check-proof": Spec(),
    "audit checkpoint": Spec(),
    "backfill approve": Spec(),
    "backfill list": Spec(examples=3),
    "probation place": Spec(),
    "probation release": Spec(),
    "probation list": Spec(examples=3),
    "dispute open": Spec(),
    "dispute resolve": Spec(),
    "dispute inform": Spec(),
    "dispute respond": Spec(),
    "correction confirm": Spec(),
    "correction refuse": Spec(),
    "correction list": Spec(),
    "dispute list": Spec(),
    "dispute stats": Spec(examples=3),
    "dispute expire": Spec(examples=3),
    "review request": Spec(),
    "review decide": Spec(),
    "review list": Spec(),
    "statement set": Spec(),
    "statement show": Spec(),
    "statement remove": Spec(),
    "adverse record": Spec(),
    "adverse list": Spec(),
    "keys create": Spec(),
    "keys list": Spec(examples=3),
    "keys revoke": Spec(),
    "token issue": Spec(),
    "webhooks add": Spec(),
    "webhooks list": Spec(examples=3),
    "webhooks remove": Spec(),
    "webhooks deliver": Spec(always=("once",), examples=4),
    "webhooks dead": Spec(examples=3),
    "webhooks replay": Spec(),
    "model train": Spec(examples=HEAVY),
    "model evaluate": Spec(examples=HEAVY),
    "model audit": Spec(values={"reference": GROUPS}, examples=HEAVY),
    "model export": Spec(),
    "model card": Spec(examples=HEAVY),
    "model dataset": Spec(values={"outcome": pick("loan.defaulted", "bill.missed", "x")}),
    "model deploy": Spec(examples=HEAVY),
    "model fair-fit": Spec(examples=2),  # a search of fits: the slowest command
    "model audit-scores": Spec(values={"reference": GROUPS}),
}


def command_paths() -> dict[str, Any]:
    """Every command of the app (sub-apps walked), by its words: ``"audit prove"``."""
    found: dict[str, Any] = {}

    def walk(cmd: Any, words: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            found[" ".join(words)] = cmd
            return
        for name, sub in subs.items():
            walk(sub, [*words, name])

    walk(typer.main.get_command(app), [])
    return found


def params(cmd: Any) -> Iterator[Any]:
    """The command's own parameters (those the fuzz test supplies itself left out)."""
    return (p for p in cmd.params if p.name not in SHARED)


def value_strategy(path: str, name: str) -> S | None:
    return SPECS[path].values.get(name, VALUES.get(name))


def readme_exit_codes() -> set[int]:
    """The exit codes the README's paragraph lists ("Exit codes: 0 ok, 1 ...")."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    found = re.search(r"Exit codes: (.*?)No command shows a traceback", text)
    assert found, "the README lists no exit codes"
    return {int(n) for n in re.findall(r"(?:^|, )(\d+) [a-z]", found.group(1))}


def policy_documents() -> st.SearchStrategy[bytes]:
    """Policy files: the shipped policy with one value replaced or one key dropped, and
    files no YAML loader should trust (alias bombs, deep nesting, duplicate keys, bytes)."""
    from glasscredit.policy import _loader

    shipped = (Path(_loader.__file__).parent / _loader.DEFAULT_POLICY_NAME).read_text("utf-8")
    doc = yaml.safe_load(shipped)
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, at: tuple[Any, ...]) -> None:
        if at:
            paths.append(at)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*at, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*at, i))

    walk(doc, ())
    hostile = st.one_of(
        st.sampled_from([None, -1, 0, 2**70, 1e308, float("nan"), "forever", "", [], {}, True]),
        st.text(max_size=20),
        st.integers(),
    )

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        import copy

        new = copy.deepcopy(doc)
        at = draw(st.sampled_from(paths))
        parent = new
        for k in at[:-1]:
            parent = parent[k]
        if draw(st.booleans()):
            parent[at[-1]] = draw(hostile)
        elif isinstance(parent, dict):
            del parent[at[-1]]
        else:
            parent.pop(at[-1])
        return yaml.safe_dump(new, allow_unicode=True).encode()

    bomb = b'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode()
        for i in range(9)
    )
    return st.one_of(
        mutated(),
        st.sampled_from(
            [
                shipped.encode(),
                shipped.encode() + b"\nfeatures: {}\n",  # a duplicated top-level key
                bomb,
                b"[" * 5000,
                b"\xff\xfe\x00policy",
                b"",
                b"name: x\n",
            ]
        ),
        st.binary(max_size=40),
    )
