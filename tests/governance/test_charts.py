"""Charts are matplotlib SVG: deterministic, readable as text, refusing data they cannot draw."""

from __future__ import annotations

import re

import pytest

from governance.charts import ChartError, bar_chart, grouped_bar_chart, line_chart


def test_same_figures_give_the_same_bytes_and_different_figures_differ() -> None:
    first = bar_chart(["employed", "retired"], [1669, 89], title="distribution of status")
    assert first == bar_chart(["employed", "retired"], [1669, 89],
                              title="distribution of status")
    assert first != bar_chart(["employed", "retired"], [1669, 90],
                              title="distribution of status")


def test_svg_is_inline_with_an_accessible_name_and_text_kept_as_text() -> None:
    svg = bar_chart(["a<b", "c"], [3, 5.5], title="rows & labels", target=4)
    assert svg.startswith('<svg role="img" aria-label="rows &amp; labels"')
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "a&lt;b" in texts and "5.5" in texts and "target" in texts
    assert "dc:date" not in svg  # no clock in the bytes


def test_percent_axes_and_gaps() -> None:
    svg = line_chart(["v1", "v2", "v3"], {"completeness": [0.995, None, 0.97]},
                     title="completeness", percent=True, target=0.99, highlight="v3")
    assert "%" in "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    grouped = grouped_bar_chart(["completeness", "validity"],
                                {"this week": [0.9, 0.8], "previous": [None, 0.7]},
                                title="quality", percent=True)
    assert "this week" in grouped and "previous" in grouped


@pytest.mark.parametrize("draw", [
    lambda: bar_chart(["a"], [1, 2], title="t"),
    lambda: bar_chart([], [], title="t"),
    lambda: line_chart(["v1"], {"s": [1, 2]}, title="t"),
    lambda: grouped_bar_chart(["a"], {}, title="t"),
])
def test_data_it_cannot_draw_is_refused_by_name(draw) -> None:
    with pytest.raises(ChartError, match="chart 't'"):
        draw()
