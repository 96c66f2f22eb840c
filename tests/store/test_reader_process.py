"""A large file is validated in a reader process: same outcome as in a thread, errors kept."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from glasscredit.exceptions import IngestFileError, LedgerError
from glasscredit.policy import Policy
from glasscredit.store import Ledger, _ingest
from glasscredit.store._pipeline import in_process
from tests.conftest import FakeClock
from tests.store._live import event


def _mixed_file(path: Path) -> Path:
    """Valid events, a repeat, a conflict, a broken line and an invalid event."""
    lines = [json.dumps(event(f"e{i}", subject=f"s{i % 7}")) for i in range(300)]
    lines += [
        json.dumps(event("e5", subject="s5")),  # duplicate
        json.dumps(event("e6", subject="s6", amount=99)),  # conflict
        "{not json",
        json.dumps(event("e900", subject="Jane Doe")),
    ]  # invalid subject
    path.write_text("\n".join(lines) + "\n")
    return path


def _outcome(led: Ledger, path: Path) -> tuple[object, ...]:
    rep = led.ingest_file(path, batch_size=64)
    return (
        rep.input,
        rep.accepted,
        rep.duplicates,
        rep.conflicts,
        rep.invalid,
        [(e.row, e.field, e.rule) for e in rep.errors],
        len(rep.batches),
        sorted(rep.subjects),
        led.counts()["events"],
        led.verify_audit().ok,
    )


def test_process_and_thread_give_the_same_report(
    tmp_path: Path, db_url: str, policy: Policy, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _mixed_file(tmp_path / "mixed.jsonl")
    with Ledger(f"sqlite:///{tmp_path / 'thread.db'}", policy, clock=clock) as led:
        in_thread = _outcome(led, path)
    monkeypatch.setattr(_ingest, "PROCESS_MIN_BYTES", 0)
    with Ledger(db_url, policy, clock=clock) as led:
        in_child = _outcome(led, path)
        again = led.ingest_file(path, batch_size=64)  # resent: all duplicates now
    assert in_child == in_thread
    assert in_child[:5] == (304, 300, 1, 1, 2)
    assert [r for r, _, _ in in_child[5]] == [302, 303, 304]  # type: ignore[attr-defined]
    assert (again.accepted, again.duplicates, again.conflicts) == (0, 301, 1)


def test_a_file_error_in_the_reader_process_reaches_the_caller(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_ingest, "PROCESS_MIN_BYTES", 0)
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"PAR1garbage")
    with pytest.raises(IngestFileError, match="not a readable Parquet file") as info:
        ledger.ingest_file(bad)
    assert info.value.errors[0].field == "(file)"
    assert ledger.counts()["events"] == 0


def test_a_reader_process_that_dies_is_reported_not_waited_on() -> None:
    with pytest.raises(LedgerError, match="exit code 3"):
        list(in_process(os._exit, 3))


def test_values_with_copy_escape_characters_are_stored_exactly(
    db_url: str, clock: FakeClock
) -> None:
    """A canonical JSON with a backslash (a non-ASCII enum value) survives PostgreSQL's COPY.

    Such a batch cannot use COPY's text format, whose escape character is the backslash.
    The vocabulary admits no such value (enum values are ASCII), so the policy is widened
    past it with ``model_copy``: the store stays exact even for what no policy can ask.
    """
    from glasscredit.policy import AttributeSpec, default_policy

    base = default_policy()
    started = base.event_types["rental.started"]
    asset = started.attributes["asset"]
    assert asset.values is not None
    values = ["vélo", *asset.values]
    widened = AttributeSpec.model_validate({**asset.model_dump(), "values": values})
    attrs = {**started.attributes, "asset": widened}
    types = {**base.event_types, "rental.started": started.model_copy(update={"attributes": attrs})}
    policy = base.model_copy(update={"event_types": types})
    plain = {
        **event("r1", type_="rental.started"),
        "source": "rentals",
        "attributes": {"asset": "bike"},
    }
    accented = {**plain, "event_id": "r2", "attributes": {"asset": "vélo"}}
    with Ledger(db_url, policy, clock=clock) as led:
        assert led.ingest([plain]).accepted == 1  # a batch in the text format
        assert led.ingest([accented]).accepted == 1  # a batch that needs CSV
        stored = dict(led.execute_sql("SELECT event_id, attributes FROM events"))
        assert stored == {"r1": '{"asset":"bike"}', "r2": '{"asset":"v\\u00e9lo"}'}
        assert [e.attributes for e in led.events_of("s1")] == [{"asset": "bike"}, {"asset": "vélo"}]
        assert led.ingest([plain, accented]).duplicates == 2
        assert led.verify_audit().ok
