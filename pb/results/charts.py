"""Charts drawn on the server as inline SVG: no JavaScript, and no style attributes (the CSP forbids them).

Colours and sizes are SVG presentation attributes (fill=, font-size=). Each bar is labelled in
words too ("funded" / "not funded"), so the chart does not rely on colour, and the page shows the
same numbers in a table for screen readers.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

FUNDED_FILL = "#00703c"  # green, 5.9:1 on white
NOT_FUNDED_FILL = "#505a5f"  # dark grey, 7:1 on white
TEXT_FILL = "#0b0c0c"

WIDTH = 760
ROW_HEIGHT = 62
BAR_HEIGHT = 24
LEFT = 4
TOP = 40
LABEL_ROOM = 200  # room kept right of the longest bar for its number


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    funded: bool


def _truncate(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def score_bar_chart(bars: list[Bar], *, title: str, unit: str = "points") -> Markup:
    """A horizontal bar chart, one bar per project, longest first as given."""
    height = TOP + ROW_HEIGHT * max(1, len(bars)) + 8
    biggest = max((b.value for b in bars), default=0) or 1
    span = WIDTH - LEFT - LABEL_ROOM
    funded_count = sum(1 for b in bars if b.funded)
    label = (f"{title}. {len(bars)} projects; {funded_count} funded. "
             "The same numbers are in the table below the chart.")
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="Arial, Helvetica, sans-serif">',
        f"<title>{escape(title)}</title>",
        # Legend
        f'<rect x="{LEFT}" y="6" width="18" height="18" fill="{FUNDED_FILL}"/>',
        f'<text x="{LEFT + 26}" y="21" font-size="17" fill="{TEXT_FILL}">Funded</text>',
        f'<rect x="{LEFT + 120}" y="6" width="18" height="18" fill="{NOT_FUNDED_FILL}"/>',
        f'<text x="{LEFT + 146}" y="21" font-size="17" fill="{TEXT_FILL}">Not funded</text>',
    ]
    for i, bar in enumerate(bars):
        y = TOP + i * ROW_HEIGHT
        width = max(2, round(span * bar.value / biggest)) if bar.value else 0
        fill = FUNDED_FILL if bar.funded else NOT_FUNDED_FILL
        words = f"{bar.value:,} {unit}" + (" – funded" if bar.funded else "")
        parts.append(f'<text x="{LEFT}" y="{y + 16}" font-size="17" font-weight="bold" fill="{TEXT_FILL}">'
                     f"{escape(_truncate(bar.label))}</text>")
        if width:
            parts.append(f'<rect x="{LEFT}" y="{y + 24}" width="{width}" height="{BAR_HEIGHT}" fill="{fill}"/>')
        parts.append(f'<text x="{LEFT + width + 8}" y="{y + 42}" font-size="17" fill="{TEXT_FILL}">'
                     f"{escape(words)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
