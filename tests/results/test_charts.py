"""The server-side SVG chart: accessible, escaped, and free of style attributes."""
from __future__ import annotations

from pb.results.charts import Bar, score_bar_chart


def test_chart_escapes_titles_and_has_no_style_attributes():
    svg = str(score_bar_chart([Bar('<script>alert("x")</script> & tea', 10, True), Bar("Walks", 5, False),
                               Bar("Nobody", 0, False)], title="Scores & more"))
    assert svg.startswith('<svg class="chart" role="img" aria-label="Scores &amp; more. 3 projects; 1 funded.')
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp; tea" in svg
    assert "style" not in svg
    assert "10 points – funded" in svg and "5 points<" in svg and "0 points<" in svg
    # Bars are proportional to the score: the top bar is twice as long as the second; no bar for 0.
    import re

    widths = [int(w) for w in re.findall(r'<rect x="4" y="\d+" width="(\d+)" height="24"', svg)]
    assert len(widths) == 2 and abs(widths[0] - 2 * widths[1]) <= 1


def test_right_to_left_chart_is_mirrored():
    """On a Yiddish page the bars grow from the right edge and the labels start there."""
    import re

    bars = [Bar("Lunch club", 10, True), Bar("Walks", 5, False)]
    ltr = str(score_bar_chart(bars, title="Scores"))
    rtl = str(score_bar_chart(bars, title="Scores", direction="rtl"))
    assert 'direction="ltr"' in ltr and 'direction="rtl"' in rtl

    def bars_of(svg):
        return [(int(x), int(w)) for x, w in re.findall(r'<rect x="(\d+)" y="\d+" width="(\d+)" height="24"', svg)]

    assert [x for x, _ in bars_of(ltr)] == [4, 4]  # every bar starts at the left edge...
    assert [x + w for x, w in bars_of(rtl)] == [756, 756]  # ...or, mirrored, ends at the right one
    assert [w for _, w in bars_of(rtl)] == [w for _, w in bars_of(ltr)]
    labels = re.findall(r'<text x="(\d+)" y="\d+" font-size="17" font-weight="bold"', rtl)
    assert labels == ["756", "756"]  # titles start at the right edge (text-anchor start, direction rtl)
