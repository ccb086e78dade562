"""A line chart of a metric series as terminal text, drawn with plotext.

plotext 6 has an explicit figure API (``plotext.figure.signal(...)``) while 5.x has
module functions (``plotext.plot(...)``); both are supported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import plotext

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _tick_positions(count: int, most: int = 6) -> list[int]:
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def line_chart(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    width: int = 72,
    height: int = 16,
    color: bool = False,
) -> str:
    """The chart as text.

    :param labels: one x label per value (shown at a few evenly spaced ticks).
    :param values: the y values.
    :param str title: the chart title.
    :param int width: columns.
    :param int height: rows.
    :param bool color: keep ANSI colours (for a terminal).
    """
    xs = list(range(1, len(values) + 1))
    ticks = _tick_positions(len(values))
    tick_xs = [xs[i] for i in ticks]
    tick_labels = [labels[i] for i in ticks]
    figure: Any = getattr(plotext, "figure", None)
    if figure is not None and hasattr(figure, "signal"):
        figure.clear()
        signal = figure.signal(xs, list(values))
        signal.lines()
        figure.draw(signal)
        figure.title(title)
        figure.theme("default" if color else "colorless")
        figure.plot_size(width, height)
        figure.ruler("x").ticks(tick_xs, tick_labels)
        text = str(figure.build().string())
        figure.clear()
    else:  # plotext 5.x
        api: Any = plotext
        api.clear_figure()
        api.plot(xs, list(values), marker="braille")
        api.title(title)
        api.plotsize(width, height)
        api.xticks(tick_xs, tick_labels)
        if not color:
            api.theme("clear")
        text = str(api.build())
        api.clear_figure()
    return text if color else _ANSI.sub("", text)
