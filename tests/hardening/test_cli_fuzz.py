"""Command-line fuzzing: hypothesis over every command's arguments, policy files and inputs.

Whatever is typed, no command shows a traceback, every error shown is one of glasscredit's
own (field and rule), and every exit code is one the README lists. The commands are read
from the Typer app, and a command or option without a strategy fails the test
(``_cli_strategies.SPECS``, ``VALUES``). Examples are few per command, derandomized, and run
in process (``CliRunner``); ``serve`` never binds a port and ``work`` stops after a step.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from glasscredit import app as gc
from glasscredit import exceptions
from glasscredit.cli import app
from tests.api.conftest import SECRET, write_keypair
from tests.conftest import event
from tests.hardening._cli_strategies import (
    SPECS,
    TEXT,
    command_paths,
    params,
    policy_documents,
    readme_exit_codes,
    value_strategy,
)

README_CODES = readme_exit_codes()
runner = CliRunner()
COMMANDS = command_paths()
#: the same examples every run, none stored; a failing example is reported as found
#: (shrinking reruns commands for minutes)
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)
SECONDS_PER_RUN = 60  # a command that runs longer is hung: the test fails, never waits
#: GLASSCREDIT_FUZZ_SCALE=10 runs ten times the examples (a deeper search, by hand)
SCALE = int(os.environ.get("GLASSCREDIT_FUZZ_SCALE", "1"))


class Hang(BaseException):  # not an Exception: no handler of the CLI catches it
    """A command ran past SECONDS_PER_RUN."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"a command ran longer than {SECONDS_PER_RUN} s")


def _invoke(args: list[str]) -> Any:
    env = dict(os.environ)  # serve exports its settings: undone after each run
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS_PER_RUN)
    try:
        return runner.invoke(app, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        os.environ.clear()
        os.environ.update(env)


def _check(args: list[str]) -> Any:
    res = _invoke(args)
    assert res.exception is None or isinstance(res.exception, SystemExit), (args, res.exception)
    assert "Traceback" not in res.output, args
    assert res.exit_code in README_CODES, (args, res.exit_code, res.output)
    # every error shown is one of glasscredit's own (field and rule), not a caught bug
    assert "internal error" not in res.output, (args, res.output)
    for name in re.findall(r"error: (\w+):", res.output):
        assert name in exceptions.__all__, (args, res.output)
    return res


def _ok(*args: str) -> None:
    res = _invoke(list(args))
    assert res.exit_code == 0, (args, res.output)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A working directory with a ledger that has a little of everything (disputes, a
    review, a statement, a webhook, a backfill, a key), the files the commands read (an
    export, a checkpoint, a proof, a labelled CSV and a model, damaged files), and the
    environment a server needs. ``uvicorn.run`` checks its arguments and returns;
    ``follow`` stops after its first step."""
    import uvicorn
    from uvicorn.config import LOG_LEVELS

    from glasscredit.model import load_german_credit

    folder = tmp_path_factory.mktemp("fuzz")
    priv, _ = write_keypair(folder)
    real_follow = gc.follow

    def fake_run(app_path: str, **kw: Any) -> None:
        assert 0 <= kw["port"] <= 65535 and kw["log_level"] in LOG_LEVELS, kw
        assert kw["workers"] >= 1 and kw["host"], kw

    def one_step(ctx: Any, stop: threading.Event, **kw: Any) -> None:
        timer = threading.Timer(0.2, stop.set)
        timer.start()
        try:
            real_follow(ctx, stop, **kw)
        finally:
            timer.cancel()

    before = os.getcwd()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        mp.setenv("GLASSCREDIT_SECRET", SECRET)
        mp.setenv("GLASSCREDIT_JWT_PRIVATE_KEY", str(priv))
        mp.setenv("GLASSCREDIT_OPERATOR_KEY", str(folder / "operator.key"))
        for var in ("GLASSCREDIT_DATABASE_URL", "GLASSCREDIT_POLICY"):
            mp.delenv(var, raising=False)
        mp.setattr(uvicorn, "run", fake_run)
        mp.setattr(gc, "follow", one_step)
        url = f"sqlite:///{folder / 'ledger.db'}"
        # the feed is history (March 2026): each source's part is loaded as production
        # loads a partner's past, through a backfill the operator approves (ids 1 and 2)
        feeds = {
            "bank": [event(f"e{i}", f"s{i % 3}") for i in range(9)],
            "community": [event("en1", "s1", "endorsement", endorser="s2")],
        }
        for name, rows in (*feeds.items(), ("all", [r for f in feeds.values() for r in f])):
            text = "\n".join(json.dumps(r) for r in rows) + "\n"
            (folder / ("feed.jsonl" if name == "all" else f"feed-{name}.jsonl")).write_text(text)
        load_german_credit().head(200).write_csv(folder / "data.csv")
        (folder / "broken.csv").write_bytes(b"a,b\n1,\xff\xfe\n" + b"[" * 5000)
        (folder / "deep.json").write_text("[" * 100_000)
        (folder / "empty.json").write_text("{}")
        (folder / "protected.csv").write_text("subject,sex\ns0,f\ns1,m\ns2,f\n")
        (folder / "applications.csv").write_text("subject,as_of\ns1,2026-06-01T00:00:00Z\ns2,x\n")
        (folder / "policies").mkdir()
        db = ("--db", url)
        _ok("init", *db)
        for n, source in enumerate(feeds, start=1):
            _ok(
                "backfill", "approve", "--source", source, "--from", "2026-03-01T00:00:00Z",
                "--to", "2026-04-01T00:00:00Z", "--known-from", "2026-03-01T00:00:00Z",
                "--by", "op", "--reason", f"the {source}'s history", *db,
            )  # fmt: skip
            _ok("ingest", f"feed-{source}.jsonl", "--backfill", str(n), *db)
        _ok("score", *db)
        _ok("dispute", "open", "s1", "e1", "--reason", "not mine", *db)
        _ok("dispute", "open", "s2", "e2", "--reason", "paid", *db)
        _ok("review", "request", "s1", "partner", "bank", "--why", "look again", *db)
        _ok("statement", "set", "s1", "my words", *db)
        _ok("webhooks", "add", "http://127.0.0.1:9/h", *db)
        _ok("keys", "create", "k", "--role", "operator", *db)
        _ok(
            "backfill", "approve", "--source", "bank", "--from", "2020-01-01T00:00:00Z",
            "--to", "2020-02-01T00:00:00Z", "--known-from", "2020-02-01T00:00:00Z",
            "--by", "op", "--reason", "history", *db,
        )  # fmt: skip
        _ok("export", "s1", "--out", "export.json", *db)
        _ok("audit", "checkpoint", "--out", "checkpoint.json", *db)
        _ok("audit", "prove", "1", "--out", "proof.json", *db)
        _ok(
            "model", "train", "data.csv", "--target", "creditability", "--bad", "bad",
            "--out", "model.json", "--drop", "personal_status_and_sex",
            "--drop", "age_in_years", "--drop", "foreign_worker",
        )  # fmt: skip
        yield folder
    os.chdir(before)


def test_every_command_has_a_fuzz_strategy() -> None:
    """A new command, or a new option of one, fails here until it is given values."""
    assert set(COMMANDS) == set(SPECS), (
        f"no strategy: {sorted(set(COMMANDS) - set(SPECS))}; "
        f"no such command: {sorted(set(SPECS) - set(COMMANDS))}"
    )
    missing = [
        f"{path} {p.name}"
        for path, cmd in COMMANDS.items()
        for p in params(cmd)
        if value_strategy(path, p.name) is None
    ]
    assert not missing, f"parameters without a value strategy: {missing}"
    assert set(range(10)) == README_CODES, README_CODES  # the README's table was read


def _db_values(folder: Path) -> st.SearchStrategy[str]:
    (folder / "notes.db").write_text("hello\n")
    good = f"sqlite:///{folder / 'ledger.db'}"
    return st.one_of(
        st.just(good),
        st.just(good),
        st.just(good),
        st.sampled_from(
            [
                f"sqlite:///{folder / 'notes.db'}",
                f"sqlite:///{folder}",
                f"sqlite:///{folder / 'missing' / 'x.db'}",
                "postgresql://127.0.0.1:1/x",
                "::not a url::",
            ]
        ),
    )


def _policy_file(folder: Path, content: bytes) -> str:
    path = folder / "policies" / f"{hashlib.sha256(content).hexdigest()[:16]}.yaml"
    path.write_bytes(content)
    return str(path)


def _draw_args(data: st.DataObject, path: str, folder: Path) -> list[str]:
    """One command line: some of the command's options (those it must have given), its
    arguments (now and then one short, or after ``--``), a stray word now and then."""
    cmd, spec = COMMANDS[path], SPECS[path]
    opts: list[str] = []
    positional: list[str] = []
    for p in params(cmd):
        strat = value_strategy(path, p.name)
        assert strat is not None
        if p.param_type_name == "argument":
            if p.nargs == -1:
                positional += data.draw(st.lists(strat, max_size=2))
            elif data.draw(st.integers(0, 11)) > 0:
                positional.append(data.draw(strat))
            continue
        wanted = p.name in spec.always or (p.required and data.draw(st.integers(0, 11)) > 0)
        if not (wanted or data.draw(st.booleans())):
            continue
        if p.is_flag:
            names = [*p.opts, *p.secondary_opts]
            opts.append(names[0] if p.name in spec.always else data.draw(st.sampled_from(names)))
            continue
        for _ in range(data.draw(st.integers(1, 2)) if p.multiple else 1):
            opts += [p.opts[0], data.draw(strat)]
    names = {p.name for p in cmd.params}
    if "db" in names:
        opts += ["--db", data.draw(_db_values(folder))]
    if "policy" in names and data.draw(st.integers(0, 3)) == 0:
        opts += ["--policy", _policy_file(folder, data.draw(policy_documents()))]
    if {"as_json", "json_out"} & names and data.draw(st.booleans()):
        opts.append("--json")
    extra = data.draw(st.lists(TEXT, max_size=1)) if data.draw(st.integers(0, 5)) == 0 else []
    dashes = ["--"] if positional and data.draw(st.booleans()) else []
    return [*path.split(), *opts, *dashes, *positional, *extra]


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=str)
def test_no_traceback_for_any_command_line(path: str, workdir: Path) -> None:
    spec = SPECS.get(path)
    assert spec is not None, f"{path} has no fuzz strategy"

    @settings(FUZZ, max_examples=spec.examples * SCALE)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        _check(_draw_args(data, path, workdir))

    run()


@settings(FUZZ, max_examples=30)
@given(doc=policy_documents(), words=st.sampled_from([["whatif-actions"], ["explain", "s1"]]))
def test_no_traceback_for_any_policy_file(workdir: Path, doc: bytes, words: list[str]) -> None:
    args = [*words, "--policy", _policy_file(workdir, doc)]
    if words[0] == "explain":
        args += ["--db", f"sqlite:///{workdir / 'ledger.db'}"]
    _check(args)


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


@settings(FUZZ, max_examples=40)
@given(
    suffix=st.sampled_from([".jsonl", ".json", ".csv", ".parquet"]),
    lines=st.lists(LINES, max_size=5),
)
def test_no_traceback_for_any_input_file(workdir: Path, suffix: str, lines: list[bytes]) -> None:
    path = workdir / f"input{suffix}"
    path.write_bytes(b"\n".join(lines))
    url = f"sqlite:///{workdir / 'ledger.db'}"
    for args in (["ingest", str(path), "--db", url], ["verify-export", str(path)]):
        _check(args)
