"""Small inline SVG charts: the report ships its plots, nothing is loaded from the internet."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart", "line_chart"]

W, H, PAD = 420, 260, 40
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _scale(v: float, lo: float, hi: float, a: float, b: float) -> float:
    return a + (b - a) * ((v - lo) / (hi - lo) if hi > lo else 0.5)


def _frame(title: str, xlabel: str, ylabel: str, body: str, legend: Sequence[str]) -> str:
    keys = "".join(
        f'<rect x="{PAD + 8 + 110 * i}" y="8" width="10" height="10" fill="{COLOURS[i]}"/>'
        f'<text x="{PAD + 22 + 110 * i}" y="17" font-size="11">{escape(n)}</text>'
        for i, n in enumerate(legend)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">'
        f'<rect width="{W}" height="{H}" fill="white"/>'
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - 10}" y2="{H - PAD}" stroke="black"/>'
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{PAD}" y2="24" stroke="black"/>'
        f'<text x="{W / 2}" y="{H - 8}" font-size="12" text-anchor="middle">{escape(xlabel)}</text>'
        f'<text x="12" y="{H / 2}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 12 {H / 2})">{escape(ylabel)}</text>'
        f"{keys}{body}</svg>"
    )


def _ticks(lo: float, hi: float, axis: str) -> str:
    out = []
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        if axis == "x":
            x = _scale(v, lo, hi, PAD, W - 10)
            out.append(
                f'<text x="{x:.1f}" y="{H - PAD + 14}" font-size="10" '
                f'text-anchor="middle">{v:.3g}</text>'
            )
        else:
            y = _scale(v, lo, hi, H - PAD, 24)
            out.append(
                f'<text x="{PAD - 4}" y="{y + 3:.1f}" font-size="10" '
                f'text-anchor="end">{v:.3g}</text>'
            )
    return "".join(out)


def line_chart(
    title: str,
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabel: str,
    diagonal: bool = False,
) -> str:
    """Polylines of (name, xs, ys); ``diagonal`` adds the chance line of a ROC plot."""
    xs = [x for _, sx, _ in series for x in sx] or [0.0, 1.0]
    ys = [y for _, _, sy in series for y in sy] or [0.0, 1.0]
    x0, x1, y0, y1 = min(xs), max(xs), min(min(ys), 0.0), max(ys)
    body = [_ticks(x0, x1, "x"), _ticks(y0, y1, "y")]
    if diagonal:
        body.append(
            f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - 10}" y2="24" stroke="#999" '
            'stroke-dasharray="4"/>'
        )
    for i, (_, sx, sy) in enumerate(series):
        pts = " ".join(
            f"{_scale(x, x0, x1, PAD, W - 10):.1f},{_scale(y, y0, y1, H - PAD, 24):.1f}"
            for x, y in zip(sx, sy, strict=True)
        )
        body.append(
            f'<polyline fill="none" stroke="{COLOURS[i % 4]}" stroke-width="1.5" points="{pts}"/>'
        )
    return _frame(title, xlabel, ylabel, "".join(body), [n for n, _, _ in series])


def bar_chart(
    title: str, labels: Sequence[str], groups: Sequence[tuple[str, Sequence[float]]], ylabel: str
) -> str:
    """Grouped bars, one group per label; negative values hang below the zero line."""
    vals = [v for _, vs in groups for v in vs] or [0.0]
    lo, hi = min(min(vals), 0.0), max(max(vals), 0.0)
    n, k = max(len(labels), 1), max(len(groups), 1)
    slot = (W - 10 - PAD) / n
    bw = slot * 0.8 / k
    zero = _scale(0.0, lo, hi, H - PAD, 24)
    body = [
        _ticks(lo, hi, "y"),
        f'<line x1="{PAD}" y1="{zero:.1f}" x2="{W - 10}" y2="{zero:.1f}" stroke="#666"/>',
    ]
    for gi, (_, vs) in enumerate(groups):
        for i, v in enumerate(vs):
            y = _scale(v, lo, hi, H - PAD, 24)
            x = PAD + slot * i + slot * 0.1 + bw * gi
            body.append(
                f'<rect x="{x:.1f}" y="{min(y, zero):.1f}" width="{bw:.1f}" '
                f'height="{abs(zero - y):.1f}" fill="{COLOURS[gi % 4]}">'
                f"<title>{escape(labels[i])}: {v:.4g}</title></rect>"
            )
    if n <= 12:
        for i, lab in enumerate(labels):
            body.append(
                f'<text x="{PAD + slot * (i + 0.5):.1f}" y="{H - PAD + 12}" '
                f'font-size="8" text-anchor="middle">{escape(lab[:14])}</text>'
            )
    return _frame(title, "bin", ylabel, "".join(body), [g for g, _ in groups])
