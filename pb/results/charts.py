"""Charts drawn on the server as inline SVG: no JavaScript, and no style attributes (the CSP forbids them).

On a right-to-left page (Yiddish) the chart is mirrored: bars grow from the right edge and the
labels start there, as the page's own text does.

Colours and sizes are SVG presentation attributes (fill=, font-size=). Each bar is labelled in
words too ("funded" / "not funded"), so the chart does not rely on colour, and the page shows the
same numbers in a table for screen readers.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _, ngettext
from markupsafe import Markup

from pb.i18n import format_number

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


def score_bar_chart(bars: list[Bar], *, title: str, direction: str = "ltr") -> Markup:
    """A horizontal bar chart, one bar per project, in the order given; mirrored when `direction` is "rtl".

    Built from constant Markup templates whose `.format` escapes every value (project titles
    are typed by residents).
    """
    height = TOP + ROW_HEIGHT * max(1, len(bars)) + 8
    biggest = max((b.value for b in bars), default=0) or 1
    span = WIDTH - LEFT - LABEL_ROOM
    funded_count = sum(1 for b in bars if b.funded)
    rtl = direction == "rtl"

    def x(left: int, width: int = 0) -> int:
        """Where something `left` from the starting edge (and `width` wide) begins, in SVG coordinates."""
        return WIDTH - left - width if rtl else left

    label = " ".join((ngettext("%(title)s. %(num)s project; %(funded)s funded.",
                               "%(title)s. %(num)s projects; %(funded)s funded.", len(bars),
                               title=title, funded=funded_count),
                      _("The same numbers are in the table below the chart.")))
    svg = Markup(
        '<svg class="chart" role="img" aria-label="{label}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="Arial, Helvetica, sans-serif" direction="{direction}">'
        '<title>{title}</title>'
    ).format(label=label, w=WIDTH, h=height, title=title, direction="rtl" if rtl else "ltr")
    svg += Markup(
        '<rect x="{x}" y="6" width="18" height="18" fill="{funded}"/>'
        '<text x="{x1}" y="21" font-size="17" fill="{ink}">{funded_word}</text>'
        '<rect x="{x2}" y="6" width="18" height="18" fill="{other}"/>'
        '<text x="{x3}" y="21" font-size="17" fill="{ink}">{not_funded_word}</text>'
    ).format(x=x(LEFT, 18), x1=x(LEFT + 26), x2=x(LEFT + 120, 18), x3=x(LEFT + 146), funded=FUNDED_FILL, other=NOT_FUNDED_FILL,
             ink=TEXT_FILL, funded_word=_("Funded"), not_funded_word=_("Not funded"))
    for i, bar in enumerate(bars):
        y = TOP + i * ROW_HEIGHT
        width = max(2, round(span * bar.value / biggest)) if bar.value else 0
        if bar.funded:
            words = ngettext("%(count)s point – funded", "%(count)s points – funded", bar.value, count=format_number(bar.value))
        else:
            words = ngettext("%(count)s point", "%(count)s points", bar.value, count=format_number(bar.value))
        svg += Markup('<text x="{x}" y="{y}" font-size="17" font-weight="bold" fill="{ink}">{text}</text>').format(
            x=x(LEFT), y=y + 16, ink=TEXT_FILL, text=_truncate(bar.label))
        if width:
            svg += Markup('<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>').format(
                x=x(LEFT, width), y=y + 24, w=width, h=BAR_HEIGHT, fill=FUNDED_FILL if bar.funded else NOT_FUNDED_FILL)
        svg += Markup('<text x="{x}" y="{y}" font-size="17" fill="{ink}">{text}</text>').format(
            x=x(LEFT + width + 8), y=y + 42, ink=TEXT_FILL, text=words)
    return svg + Markup("</svg>")
