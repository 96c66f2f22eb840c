"""The person's own statement: limited, never scored, delivered with the score, erasable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import glasscredit
from glasscredit import app as gc
from glasscredit.exceptions import NotFoundError, ValidationError
from glasscredit.policy import parse_timestamp
from glasscredit.store import Ledger
from tests._history import load_history
from tests.conftest import FakeClock
from tests.rights._helpers import s1_events

WORDS = "The late payment in March was the bank's error; see my dispute. <b>&</b>"


def _ctx(ledger: Ledger, clock: FakeClock) -> gc.Context:
    clock.set("2026-09-01T00:00:00Z")
    load_history(ledger, s1_events())
    return gc.Context.of_ledger(ledger)


def test_statement_never_reaches_a_feature_or_a_score(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    gc.score(ctx)
    without = gc.current_score(ctx, "s1")
    expl = gc.explain(ctx, "s1").as_json()
    frame = ledger.event_frame()
    gc.set_statement(ctx, "s1", WORDS)
    clock.set("2026-09-01T00:00:01Z")
    gc.score_subject(ctx, "s1", as_of_us=parse_timestamp("2026-09-01T00:00:01Z"))
    with_ = gc.current_score(ctx, "s1")
    assert with_.score_id != without.score_id
    assert (with_.score, with_.inputs_digest, with_.detail) == (
        without.score,
        without.inputs_digest,
        without.detail,
    )
    assert gc.explain(ctx, "s1", as_of_us=parse_timestamp("2026-09-01T00:00:00Z")).as_json() == expl
    assert ledger.event_frame().equals(frame)  # what a model fit and the kernel read
    assert with_.statement is not None and with_.statement.text == WORDS


SCORING_PACKAGES = ("features", "scoring", "model", "trust", "batch", "simulate", "policy")


def test_no_scoring_path_reads_the_statements_table() -> None:
    root = Path(glasscredit.__file__).parent
    for pkg in SCORING_PACKAGES:
        for path in (root / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
            strings = {
                n.value
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
            assert "statements" not in names | strings, path
            assert "statement_of" not in names, path


def test_limits_and_replacing(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    for text, rule in (
        ("", "length"),
        ("x" * 701, "length"),
        (" ".join(["word"] * 101), "words"),
        ("bell\x07", "printable"),
    ):
        with pytest.raises(ValidationError) as err:
            gc.set_statement(ctx, "s1", text)
        assert (err.value.errors[0].field, err.value.errors[0].rule) == ("statement", rule)
    gc.set_statement(ctx, "s1", " ".join(["word"] * 100))  # exactly 100 words is allowed
    gc.set_statement(ctx, "s1", WORDS)
    assert gc.get_statement(ctx, "s1").text == WORDS
    with pytest.raises(NotFoundError):
        gc.set_statement(ctx, "nobody", WORDS)
    assert gc.remove_statement(ctx, "s1").removed
    assert not gc.remove_statement(ctx, "s1").removed
    with pytest.raises(NotFoundError):
        gc.get_statement(ctx, "s1")
    acts = [e for e in ledger.audit.entries() if e.action.startswith("statement")]
    assert [e.action for e in acts] == ["statement.set", "statement.set", "statement.remove"]
    assert all("bank" not in str(e.details) for e in acts)  # the text stays out of the log


def test_export_shows_it_escaped_and_erasure_removes_it(ledger: Ledger, clock: FakeClock) -> None:
    ctx = _ctx(ledger, clock)
    gc.set_statement(ctx, "s1", WORDS)
    gc.request_review(ctx, "s1", "tier", "good", "<script>alert(1)</script>")
    exp = gc.export_subject(ctx, "s1", html=True)
    assert exp.document["statement"]["text"] == WORDS  # type: ignore[index,call-overload]
    assert exp.html is not None
    body = exp.html.split("<script type=application/json")[0]
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in body and "<b>&</b>" not in body
    assert "&lt;script&gt;alert(1)" in body and "<script>alert" not in body
    assert gc.verify_export_document(exp.document).identical
    gc.erase_subject(ctx, "s1")
    assert ledger.statements.get("s1") is None
    assert ledger.verify_audit().ok


def test_statement_never_reaches_a_training_set(
    ledger: Ledger, clock: FakeClock, tmp_path: Path
) -> None:
    """A model is fitted on ``model dataset``'s rows: the same with and without it."""
    import polars as pl

    ctx = _ctx(ledger, clock)  # ingested (known to the ledger) on 2026-09-01
    at = ["2026-09-02T00:00:00Z", "2026-09-10T00:00:00Z"]
    clock.set("2026-11-01T00:00:00Z")  # both one-month windows have ended
    before = tmp_path / "before.parquet"
    gc.build_dataset(ctx, out=before, at=at, window="1mo")
    gc.set_statement(ctx, "s1", WORDS)
    after = tmp_path / "after.parquet"
    gc.build_dataset(ctx, out=after, at=at, window="1mo")
    rows = pl.read_parquet(before)
    assert rows.height == 2 and set(rows["subject"].to_list()) == {"s1"}
    assert rows.equals(pl.read_parquet(after))
    assert not any(WORDS in str(v) for v in rows.row(0))
