"""Command-line fuzzing: hypothesis over the commands' arguments and over input files.

Whatever is typed, no command shows a traceback, and every exit code is one the README
lists. Examples are bounded so the whole test runs in well under a minute.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from glasscredit import exceptions
from glasscredit.cli import app
from tests.conftest import event

README_CODES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
runner = CliRunner()

# commands over an existing ledger, each with the options it reads (all quick to run)
COMMANDS: list[tuple[list[str], list[str]]] = [
    (["events"], []),
    (["explain"], ["--as-of"]),
    (["history"], []),
    (["next-tier"], ["--as-of"]),
    (["whatif"], ["--horizon", "--as-of"]),
    (["export"], []),
    (["verify-score"], []),
    (["dispute", "open"], ["--reason"]),
    (["dispute", "resolve"], []),
    (["dispute", "list"], ["--status", "--subject"]),
    (["audit", "verify"], []),
    (["reports"], ["--as-of"]),
    (["erase"], ["--actor"]),
    (["monitor"], ["--reference", "--current", "--until"]),
    (["trust"], ["--as-of"]),
    (["bursts"], ["--days", "--release"]),
    (["review", "request"], []),
    (["review", "decide"], []),
    (["review", "list"], []),
    (["statement", "set"], []),
    (["statement", "show"], []),
    (["audit", "prove"], ["--against"]),
    (["batch", "--engine", "local"], ["--as-of", "--events", "--partitions"]),
]
# commands that read only files (no ledger), each with the options it reads
OFFLINE: list[tuple[list[str], list[str]]] = [
    (["verify-export"], []),
    (["audit", "check-proof"], ["--public-key"]),
    (["model", "train"], ["--special", "--target"]),
    (["model", "evaluate"], ["--compare", "--protected", "--cutoff"]),
    (["model", "audit"], ["--protected", "--cutoff"]),
    (["model", "export"], []),
    (["model", "card"], []),
    (["whatif-actions"], []),
]
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["s1", "0", "-1", str(2**70), "2026-01-01T00:00:00Z", "[/bold]", "\x1b[31m"]),
)


@pytest.fixture(scope="module")
def ledger_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'ledger.db'}"
    feed = folder / "feed.jsonl"
    rows = [event(f"e{i}", f"s{i % 3}") for i in range(9)]
    rows.append(event("en1", "s1", "endorsement", endorser="s2"))
    feed.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    for args in (["init"], ["ingest", str(feed)], ["score"]):
        assert runner.invoke(app, [*args, "--db", url]).exit_code == 0
    return url


def _check(args: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exception is None or isinstance(res.exception, SystemExit), (args, res.exception)
    assert "Traceback" not in res.output, args
    assert res.exit_code in README_CODES, (args, res.exit_code)
    # every error shown is one of glasscredit's own (field and rule), not a caught bug
    for name in re.findall(r"error: (\w+):", res.output):
        assert name in exceptions.__all__, (args, res.output)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_traceback_for_any_arguments(ledger_url: str, data: st.DataObject) -> None:
    words, options = data.draw(st.sampled_from(COMMANDS))
    args = [*words, *data.draw(st.lists(TEXT, max_size=3))]
    for opt in data.draw(st.lists(st.sampled_from(options), max_size=2)) if options else []:
        args += [opt, data.draw(TEXT)]
    _check([*args, "--db", ledger_url])


LINES = st.one_of(
    st.binary(max_size=60),
    st.sampled_from(
        [
            b"[" * 5000,
            b'{"event_id": "a", "event_id": "b"}',
            b"\xef\xbb\xbfevent_id,subject",
            b'{"attributes": ' + b"{" * 3000 + b"}",
            json.dumps(event("ok1")).encode(),
            json.dumps(event("old", occurred_at="0001-01-01T00:00:00Z")).encode(),
        ]
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    suffix=st.sampled_from([".jsonl", ".json", ".csv", ".parquet"]),
    lines=st.lists(LINES, max_size=5),
)
def test_no_traceback_for_any_input_file(
    ledger_url: str, tmp_path_factory: pytest.TempPathFactory, suffix: str, lines: list[bytes]
) -> None:
    path = tmp_path_factory.mktemp("in") / f"feed{suffix}"
    path.write_bytes(b"\n".join(lines))
    for command in (["ingest", str(path)], ["verify-export", str(path)]):
        args = [*command, "--db", ledger_url] if command[0] == "ingest" else command
        _check(args)


@pytest.fixture(scope="module")
def offline_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Real inputs for the offline commands (a labelled CSV, a model, an export, a proof,
    and the same files damaged), in a folder that is also the working directory, so
    that what a command writes by default lands there."""
    from glasscredit.model import load_german_credit

    folder = tmp_path_factory.mktemp("offline")
    before = os.getcwd()
    os.chdir(folder)
    try:
        load_german_credit().head(200).write_csv(folder / "data.csv")
        (folder / "broken.csv").write_bytes(b"a,b\n1,\xff\xfe\n" + b"[" * 5000)
        trained = runner.invoke(
            app,
            [
                "model",
                "train",
                "data.csv",
                "--target",
                "creditability",
                "--bad",
                "bad",
                "--out",
                "model.json",
                "--drop",
                "personal_status_and_sex",
                "--drop",
                "age_in_years",
                "--drop",
                "foreign_worker",
            ],
        )
        assert trained.exit_code == 0, trained.output
        (folder / "deep.json").write_text("[" * 100_000)
        (folder / "empty.json").write_text("{}")
        yield ["data.csv", "broken.csv", "model.json", "deep.json", "empty.json", "."]
    finally:
        os.chdir(before)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_traceback_for_offline_commands(offline_files: list[str], data: st.DataObject) -> None:
    words = [
        "creditability",
        "bad",
        "good",
        "age_in_years",
        "personal_status_and_sex",
        "duration_in_month",
        "age_in_years=-1",
        "x=y",
        "0.5",
        "-3",
        "nan",
    ]
    text = st.one_of(TEXT, st.sampled_from(offline_files + words))
    command, options = data.draw(st.sampled_from(OFFLINE))
    args = [*command, *data.draw(st.lists(text, max_size=3))]
    for opt in data.draw(st.lists(st.sampled_from(options), max_size=2)) if options else []:
        args += [opt, data.draw(text)]
    _check(args)
