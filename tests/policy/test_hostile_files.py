"""Hostile policy files: each is refused with a named rule, quickly, and nothing else happens.

Alias bombs, duplicated keys, bytes that are not UTF-8, deep nesting, over-long strings
and values that would load but break later (``clock_skew: forever``, ``cap: .nan``).
"""

from __future__ import annotations

import time
import tracemalloc
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from glasscredit.exceptions import PolicyError
from glasscredit.policy import default_policy, load_policy, policy_from_dict
from glasscredit.policy._yaml import MAX_POLICY_BYTES, parse_policy_bytes

DEFAULT_YAML = resources.files("glasscredit.policy").joinpath("default.yaml").read_text("utf-8")


def _refusal(source: bytes | str | dict[str, Any]) -> tuple[str, str, str]:
    """(field, rule, message) of the first error a policy source is refused with."""
    with pytest.raises(PolicyError) as info:
        if isinstance(source, dict):
            policy_from_dict(source)
        else:
            data = source.encode() if isinstance(source, str) else source
            policy_from_dict(parse_policy_bytes(data))
    err = info.value.errors[0]
    return err.field, err.rule, err.message


def _alias_bomb(levels: int = 12) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + f"\nname: bomb\nsettings: {{x: *a{levels - 1}}}\n"


def test_a_12_kb_alias_bomb_is_refused_fast_with_little_memory() -> None:
    bomb = _alias_bomb(12) + "#" * 11_000  # 9**12 (2.8e11) values once expanded
    assert 11_000 < len(bomb) < 13_000
    tracemalloc.start()
    start = time.perf_counter()
    field, rule, message = _refusal(bomb)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (field, rule) == ("(file)", "alias_expansion") and "aliases" in message
    assert elapsed < 2.0 and peak < 20_000_000


def test_a_few_aliases_are_fine() -> None:
    started, returned = "  rental.started:\n    label:", "  rental.returned:\n    label:"
    text = DEFAULT_YAML.replace(f"{started} rental started", f"{started} &lbl rental started")
    text = text.replace(f"{returned} rental returned", f"{returned} *lbl")
    assert "*lbl" in text
    policy = policy_from_dict(parse_policy_bytes(text.encode()))
    assert policy.event_types["rental.returned"].label == "rental started"


def test_an_alias_cycle_is_refused() -> None:
    assert _refusal("name: x\nsettings: &s {again: *s}\n")[1] == "alias_cycle"


def test_a_duplicated_top_level_key_is_refused_naming_the_key() -> None:
    text = DEFAULT_YAML + "\npoints:\n  base: 600\n  features: {}\n"
    field, rule, message = _refusal(text)
    assert (field, rule) == ("points", "duplicate_key")
    assert "'points' appears twice" in message and "line" in message


def test_a_duplicated_nested_key_is_refused_with_its_path() -> None:
    text = DEFAULT_YAML.replace("  clock_skew: 5min\n", "  clock_skew: 5min\n  clock_skew: 1d\n")
    assert _refusal(text)[:2] == ("ingest.clock_skew", "duplicate_key")


def test_bytes_that_are_not_utf8_are_refused_with_their_offset() -> None:
    data = DEFAULT_YAML.encode().replace(b"name: glasscredit-default", b"name: glass\xffcredit")
    field, rule, message = _refusal(data)
    assert (field, rule) == ("(file)", "encoding") and "0xff" in message and "line" in message
    bom = b"\xef\xbb\xbf" + DEFAULT_YAML.encode()
    assert policy_from_dict(parse_policy_bytes(bom)).hash == default_policy().hash


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    assert _refusal("name: x\nsettings: " + "[" * 50_000 + "]" * 50_000)[1] == "depth"
    assert _refusal("name: x\nsettings: " + "{a: " * 5_000 + "1" + "}" * 5_000)[1] == "depth"
    nested: dict[str, Any] = {}
    cursor = nested
    for _ in range(100_000):  # as a dict: the walk is iterative too
        cursor["a"] = {}
        cursor = cursor["a"]
    assert _refusal({"name": "x", "sources": {}, "event_types": {}, "settings": nested})[1] == (
        "depth"
    )


def test_over_long_strings_and_files_are_refused(tmp_path: Path) -> None:
    label = "x" * 1_000
    text = DEFAULT_YAML.replace("label: on-time payment", f"label: {label}")
    assert _refusal(text)[:2] == ("event_types.payment.on_time.label", "length")
    text = DEFAULT_YAML.replace("name: glasscredit-default", "name: " + "n" * 300)
    assert _refusal(text)[:2] == ("name", "length")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (MAX_POLICY_BYTES // 10 + 1))
    with pytest.raises(PolicyError, match=r"\[size\]"):
        load_policy(big)


@pytest.mark.parametrize(
    ("old", "new", "field", "rule"),
    [
        ("clock_skew: 5min", "clock_skew: forever", "ingest.clock_skew", "duration"),
        ("clock_skew: 5min", "clock_skew: 30d", "ingest.clock_skew", "range"),
        ("cap: 48", "cap: .nan", "features.0.cap", "finite"),
        ("cap: 48", "cap: .inf", "features.0.cap", "finite"),
        ("cap: 48", "cap: -1", "features.on_time_payments_24m.cap", "range"),
        ("window: 24mo\n    max", "window: -5d\n    max", "features.0", "duration"),
        ("window: 24mo\n    max", "window: 0d\n    max", "features.on_time", "positive"),
        ("window: 24mo\n    max", "window: 9999999y\n    max", "features.on_time", "range"),
        ("max_attributes_bytes: 4096", "max_attributes_bytes: -1", "ingest", "range"),
        ("negative: 7y", "negative: 0d", "retention.negative", "positive"),
        ("deadline: 30d", "deadline: soon", "disputes.deadline", "duration"),
        ("base: 555", "base: 123456789012345678901234567890", "points.base", "range"),
        ("min_score: 700", "min_score: 2026-01-01", "perks.3.min_score", "json_value"),
        ("max: 2}", "max: 1.0e+400}", "features.0.max_per_period.max", "finite"),
        ("  neutral: 10y", "  neutral: !!binary aGVsbG8=", "retention.neutral", "json_value"),
        ("{identity: 60}", "{identity: 600}", "perks.deposit_free_rental.min_dimension", "range"),
        ("{asset: bike}", "{asset: yacht}", "whatif_actions.return_rentals.attributes", "enum"),
        ("{amount: 50}", "{amount: -50}", "whatif_actions.pay_on_time.attributes", "range"),
    ],
)
def test_values_that_would_break_later_are_refused_at_load(
    old: str, new: str, field: str, rule: str
) -> None:
    assert old in DEFAULT_YAML
    got_field, got_rule, _ = _refusal(DEFAULT_YAML.replace(old, new, 1))
    assert got_rule == rule and got_field.startswith(field)


def test_markup_may_stay_but_terminal_escapes_are_refused_in_texts() -> None:
    """Brackets are text (the CLI escapes them); ANSI escapes and bells never load."""
    link = "[link=https://evil.example]pay[/link] [/bold]"
    text = DEFAULT_YAML.replace("label: on-time payment", f'label: "{link}"')
    assert (
        policy_from_dict(parse_policy_bytes(text.encode())).event_types["payment.on_time"].label
        == link
    )
    ansi = '"\\x1b[2J\\x1b]8;;https://evil.example\\x07x"'
    hostile = DEFAULT_YAML.replace("label: on-time payment", f"label: {ansi}")
    field, rule, message = _refusal(hostile)
    assert (field, rule) == ("event_types.payment.on_time.label", "control_character")
    assert "ESCAPE" in message or "U+001B" in message


def test_keys_and_tags_a_json_document_cannot_hold_are_refused() -> None:
    assert _refusal("name: x\n1: one\n")[1] == "key_type"
    assert _refusal("name: x\nsettings: !!set {a, b}\n")[1] == "json_value"
    assert _refusal("name: !!python/object:os.system x\n")[1] == "yaml"
    assert _refusal("name: x\n---\nname: y\n")[1] == "yaml"
    with pytest.raises(PolicyError, match="mapping at the top level"):
        policy_from_dict(parse_policy_bytes(b""))


def test_an_unreadable_path_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path)
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yaml")
