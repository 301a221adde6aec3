"""Charts for datasheets and reports: matplotlib figures rendered to inline SVG, offline.

Every chart is drawn with matplotlib's object-oriented API (no pyplot global state, so runs
in threads and sensors do not share figures) and saved as SVG text that a Markdown or HTML
page embeds as is. Output is deterministic: the SVG ids are salted with a fixed string, the
date metadata is left out and text stays text (searchable, and no font glyphs embedded), so
the same figures give the same bytes and generated documents diff cleanly.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Colours shared by every chart (also used by the page style): current, other, target, alarm.
CURRENT = "#2f9e62"
OTHER = "#9db8e8"
BAR = "#4a7bd0"
TARGET = "#c0392b"
SERIES = ("#4a7bd0", "#2f9e62", "#e08e2b", "#8e5ac8", "#c0392b", "#6b7a8f")
_RC = {"svg.hashsalt": "dataops-governance", "svg.fonttype": "none",
       "font.family": "DejaVu Sans", "font.size": 8, "axes.spines.top": False,
       "axes.spines.right": False, "axes.titlesize": 9, "axes.titleweight": "bold"}
_PROLOG = re.compile(r"\A.*?(?=<svg)", re.S)


class ChartError(ValueError):
    """A chart was asked for with data it cannot draw (lengths differ, nothing to draw)."""


def _rc() -> Any:
    # matplotlib is imported on first use: every Dagster step process imports the code
    # location, and most steps draw nothing (about 0.2 s saved per step).
    import matplotlib

    return matplotlib.rc_context(_RC)


def _new_figure(width: float, height: float) -> Figure:
    # matplotlib on first use, as in _rc (a heavy dependency most steps never need).
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _percent_axis(axis: Any) -> None:
    # matplotlib on first use, as in _rc (a heavy dependency most steps never need).
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1.0))


def _svg(fig: Figure, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight",
                metadata={"Date": None, "Creator": None, "Title": title or None})
    svg = _PROLOG.sub("", buf.getvalue(), count=1)
    # An accessible name for screen readers and for tests that look charts up by title.
    label = (title or "chart").replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _figure(rows: int, width: float = 4.2) -> Figure:
    return _new_figure(width, max(1.0, 0.28 * rows + 0.6))


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.1%}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str = "",
              highlight: str | None = None, target: float | None = None,
              percent: bool = False, xmax: float | None = None) -> str:
    """Horizontal bars, one per label, value printed at each bar's end; SVG text."""
    if len(labels) != len(values):
        raise ChartError(f"chart {title!r}: {len(labels)} labels but {len(values)} values")
    if not labels:
        raise ChartError(f"chart {title!r}: nothing to draw")
    with _rc():
        fig = _figure(len(labels))
        ax = fig.add_subplot()
        ys = list(range(len(labels)))[::-1]  # first label on top
        colours = [CURRENT if highlight is not None and lab == highlight
                   else (OTHER if highlight is not None else BAR) for lab in labels]
        ax.barh(ys, values, color=colours, height=0.7)
        ax.set_yticks(ys, [str(lab) for lab in labels])
        top = max([*values, target or 0, 0])
        limit = xmax if xmax is not None else (top * 1.25 if top > 0 else 1)
        ax.set_xlim(0, limit)
        for y, value in zip(ys, values, strict=True):
            ax.text(value + limit * 0.01, y, _fmt(value, percent), va="center", fontsize=7)
        if target is not None:
            ax.axvline(target, color=TARGET, linestyle="--", linewidth=1, label="target")
            ax.legend(loc="lower right", fontsize=7, frameon=False)
        if percent:
            _percent_axis(ax.xaxis)
        if title:
            ax.set_title(title, loc="left")
        return _svg(fig, title)


def line_chart(x_labels: Sequence[str], series: dict[str, Sequence[float | None]], *,
               title: str = "", target: float | None = None, percent: bool = False,
               highlight: str | None = None) -> str:
    """One line per series over the x labels (None leaves a gap); SVG text."""
    if not x_labels or not series:
        raise ChartError(f"chart {title!r}: nothing to draw")
    for name, values in series.items():
        if len(values) != len(x_labels):
            raise ChartError(f"chart {title!r}: series {name!r} has {len(values)} values "
                             f"for {len(x_labels)} labels")
    with _rc():
        fig = _new_figure(4.2, 2.0)
        ax = fig.add_subplot()
        xs = list(range(len(x_labels)))
        for i, (name, values) in enumerate(series.items()):
            ys = [math.nan if v is None else v for v in values]
            ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.4,
                    color=SERIES[i % len(SERIES)], label=name)
        ax.set_xticks(xs, [str(x) for x in x_labels])
        if highlight is not None and highlight in x_labels:
            ax.axvspan(x_labels.index(highlight) - 0.12, x_labels.index(highlight) + 0.12,
                       color=CURRENT, alpha=0.12)
        if target is not None:
            ax.axhline(target, color=TARGET, linestyle="--", linewidth=1, label="target")
        if percent:
            _percent_axis(ax.yaxis)
        if len(series) > 1 or target is not None:
            ax.legend(fontsize=7, frameon=False, loc="best")
        if title:
            ax.set_title(title, loc="left")
        return _svg(fig, title)


def grouped_bar_chart(categories: Sequence[str], series: dict[str, Sequence[float | None]], *,
                      title: str = "", target: float | None = None,
                      percent: bool = False) -> str:
    """Vertical bars grouped per category, one colour per series (None draws no bar)."""
    if not categories or not series:
        raise ChartError(f"chart {title!r}: nothing to draw")
    for name, values in series.items():
        if len(values) != len(categories):
            raise ChartError(f"chart {title!r}: series {name!r} has {len(values)} values "
                             f"for {len(categories)} categories")
    with _rc():
        fig = _new_figure(max(3.0, 0.9 * len(categories) + 1.2), 2.2)
        ax = fig.add_subplot()
        width = 0.8 / len(series)
        for i, (name, values) in enumerate(series.items()):
            xs = [c + (i - (len(series) - 1) / 2) * width for c in range(len(categories))]
            ys = [0.0 if v is None else v for v in values]
            ax.bar(xs, ys, width=width * 0.95, color=SERIES[i % len(SERIES)], label=name)
        long_labels = max(len(str(c)) for c in categories) > 12
        ax.set_xticks(range(len(categories)), [str(c) for c in categories],
                      rotation=20 if long_labels else 0, ha="right" if long_labels else "center")
        if target is not None:
            ax.axhline(target, color=TARGET, linestyle="--", linewidth=1, label="target")
        if percent:
            _percent_axis(ax.yaxis)
            shown = [v for values in series.values() for v in values if v is not None]
            low = min([*shown, *([target] if target is not None else [])], default=0.0)
            if low > 0.5:  # shares near 100%: start the axis near them, or bars look equal
                ax.set_ylim(max(0.0, low - (1.0 - low) - 0.005), 1.0 + (1.0 - low) * 0.1)
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        if title:
            ax.set_title(title, loc="left")
        return _svg(fig, title)
