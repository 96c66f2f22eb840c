"""The pages' charts as inline SVG, drawn on the server: no chart library, no script.

Each chart is an ``<svg role="img">`` with a title and a description that say in words
what it shows (its screen-reader name), and the page puts the same figures in a table
beside it. Colours are chosen for at least 3:1 contrast against white (WCAG 1.4.11);
tiers are also told apart by their label, never by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from itertools import count

from markupsafe import Markup, escape

__all__ = ["TIER_COLOURS", "bars", "gauge", "history", "label", "stacked", "when"]

#: one colour per tier, lowest first (each >= 3:1 against white)
TIER_COLOURS = ("#b3261e", "#b35900", "#7a6a00", "#2e7d32", "#1a5e8a", "#5b3f99")
_ids = count(1)


def _id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def when(text: str | None) -> str:
    """An RFC 3339 time as a person reads it: ``2026-03-02 10:00 UTC``."""
    if not text:
        return ""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return t.strftime("%Y-%m-%d %H:%M UTC")


def label(name: str) -> str:
    """``very_good`` -> ``Very good``."""
    return name.replace("_", " ").replace(".", " ").strip().capitalize()


def _colour(i: int) -> str:
    return TIER_COLOURS[i % len(TIER_COLOURS)]


def _polar(cx: float, cy: float, r: float, frac: float) -> tuple[float, float]:
    """The point at ``frac`` (0 left, 1 right) along a half circle above the centre."""
    a = math.pi * (1 - frac)
    return cx + r * math.cos(a), cy - r * math.sin(a)


def gauge(score: int, lo: int, hi: int, tiers: Sequence[tuple[str, int, int]], tier: str) -> Markup:
    """A half-circle gauge: the tier bands, a needle at the score, the score in its middle."""
    cx, cy, r, w = 160.0, 150.0, 120.0, 22.0
    span = max(hi - lo, 1)
    tid, did = _id("gt"), _id("gd")
    parts = [
        f'<svg class="gauge" viewBox="0 0 320 190" role="img" aria-labelledby="{tid} {did}">',
        f'<title id="{tid}">Score {score}</title>',
        f'<desc id="{did}">{score} on a scale from {lo} to {hi}: tier '
        f"{escape(label(tier))}.</desc>",
    ]
    for i, (_name, tmin, tmax) in enumerate(tiers):
        f0 = (max(tmin, lo) - lo) / span
        f1 = (min(tmax + 1, hi) - lo) / span
        x0, y0 = _polar(cx, cy, r, f0)
        x1, y1 = _polar(cx, cy, r, f1)
        parts.append(
            f'<path d="M{x0:.1f},{y0:.1f} A{r},{r} 0 0 1 {x1:.1f},{y1:.1f}" fill="none" '
            f'stroke="{_colour(i)}" stroke-width="{w}"/>'
        )
    frac = min(max((score - lo) / span, 0.0), 1.0)
    nx, ny = _polar(cx, cy, r - w, frac)
    parts += [
        f'<line x1="{cx}" y1="{cy}" x2="{nx:.1f}" y2="{ny:.1f}" stroke="#1b1b1b" '
        'stroke-width="4" stroke-linecap="round"/>',
        f'<circle cx="{cx}" cy="{cy}" r="7" fill="#1b1b1b"/>',
        f'<text x="{cx}" y="{cy + 32}" text-anchor="middle" class="gauge-score">{score}</text>',
        f'<text x="{cx - r}" y="{cy + 20}" text-anchor="middle" class="axis">{lo}</text>',
        f'<text x="{cx + r}" y="{cy + 20}" text-anchor="middle" class="axis">{hi}</text>',
        "</svg>",
    ]
    return Markup("".join(parts))


def bars(items: Sequence[tuple[str, float, str]], title: str, unit: str = "%") -> Markup:
    """Horizontal bars, one per ``(label, value 0..100, note)``."""
    tid = _id("bt")
    h = 30 * len(items) + 10
    parts = [
        f'<svg class="bars" viewBox="0 0 420 {h}" role="img" aria-labelledby="{tid}">',
        f'<title id="{tid}">{escape(title)}: '
        f"{escape('; '.join(f'{name} {value:.0f}{unit}' for name, value, _ in items))}</title>",
    ]
    for i, (name, value, _note) in enumerate(items):
        y = 10 + 30 * i
        width = 220 * min(max(value, 0.0), 100.0) / 100.0
        parts += [
            f'<text x="0" y="{y + 15}" class="axis">{escape(name)}</text>',
            f'<rect x="150" y="{y}" width="220" height="20" fill="#e8e8e8"/>',
            f'<rect x="150" y="{y}" width="{width:.1f}" height="20" fill="#1a5e8a"/>',
            f'<text x="376" y="{y + 15}" class="axis">{value:.0f}{unit}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def history(points: Sequence[tuple[int, int, str]], lo: int, hi: int) -> Markup:
    """Stored scores over time, ``(time_us, score, as_of text)``; changes are the dots."""
    tid, did = _id("ht"), _id("hd")
    if not points:
        return Markup("")
    w, h, left, top, bottom = 640.0, 220.0, 48.0, 12.0, 190.0
    t0, t1 = points[0][0], points[-1][0]
    tspan = max(t1 - t0, 1)

    def xy(t: int, s: int) -> tuple[float, float]:
        x = left + (w - left - 12) * ((t - t0) / tspan if t1 > t0 else 0.5)
        y = bottom - (bottom - top) * (s - lo) / max(hi - lo, 1)
        return x, y

    scores = [s for _, s, _ in points]
    # the scale around the scores (in steps of 50), not the whole range: changes show
    lo = max(lo, (min(scores) - 40) // 50 * 50)
    hi = min(hi, -(-(max(scores) + 40) // 50) * 50)
    parts = [
        f'<svg class="history" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
        f'aria-labelledby="{tid} {did}">',
        f'<title id="{tid}">Score history</title>',
        f'<desc id="{did}">{len(points)} stored scores from {escape(when(points[0][2]))} '
        f"to {escape(when(points[-1][2]))}; lowest {min(scores)}, highest {max(scores)}, "
        f"latest {scores[-1]}.</desc>",
    ]
    for tick in (lo, (lo + hi) // 2, hi):
        _, y = xy(t0, tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{w - 12}" y2="{y:.1f}" stroke="#d0d0d0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{tick}</text>'
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}"
        for i, (x, y) in enumerate(xy(t, s) for t, s, _ in points)
    )
    parts.append(f'<path d="{path}" fill="none" stroke="#1a5e8a" stroke-width="3"/>')
    for t, s, _ in points:
        x, y = xy(t, s)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#1a5e8a"/>')
    parts.append(
        f'<text x="{left}" y="{h - 6}" class="axis">{escape(when(points[0][2])[:10])}</text>'
        f'<text x="{w - 12}" y="{h - 6}" text-anchor="end" class="axis">'
        f"{escape(when(points[-1][2])[:10])}</text></svg>"
    )
    return Markup("".join(parts))


def stacked(columns: Sequence[tuple[str, Sequence[int]]], names: Sequence[str]) -> Markup:
    """Stacked columns, one per period ``(label, counts per tier)``, with a legend."""
    tid = _id("st")
    n = max(len(columns), 1)
    w, h, left, bottom = 640.0, 240.0, 40.0, 200.0
    step = (w - left - 10) / n
    top_count = max([sum(c) for _, c in columns] + [1])
    total = sum(sum(c) for _, c in columns)
    parts = [
        f'<svg class="stacked" viewBox="0 0 {w:.0f} {h + 24:.0f}" role="img" '
        f'aria-labelledby="{tid}">',
        f'<title id="{tid}">Stored scores by tier in each of the last {len(columns)} months '
        f"({total} scores in all; the table below gives every figure)</title>",
    ]
    for i, (lbl, counts) in enumerate(columns):
        x = left + i * step + step * 0.15
        y = bottom
        for j, c in enumerate(counts):
            hh = (bottom - 10) * c / top_count
            y -= hh
            if c:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{hh:.1f}" '
                    f'fill="{_colour(j)}"/>'
                )
        if i % max(1, n // 6) == 0:
            parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" class="axis">{escape(lbl)}</text>')
    parts.append(f'<text x="4" y="20" class="axis">{top_count}</text>')
    for j, name in enumerate(names):
        x = left + j * 110
        parts.append(
            f'<rect x="{x}" y="{h}" width="12" height="12" fill="{_colour(j)}"/>'
            f'<text x="{x + 16}" y="{h + 11}" class="axis">{escape(label(name))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
