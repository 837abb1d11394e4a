"""The digest's charts as PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` directly (never ``pyplot``): PNG output goes through the
Agg canvas, needs no display and keeps no global figure registry, so rendering is safe in a service.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from vigie.digest.render.locale import Locale, say
from vigie.schemas import DigestEvent

COLOURS = {"negative": "#c0392b", "neutral": "#95a5a6", "positive": "#27ae60", "net": "#2c3e50"}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def sentiment_chart(digest: DigestEvent, locale: Locale) -> bytes:
    """Stacked mentions by sentiment per bucket (hours of a day, days of a week), with the net sentiment."""
    return _png(sentiment_figure(digest, locale))


def sentiment_figure(digest: DigestEvent, locale: Locale) -> Figure:
    """The figure of :func:`sentiment_chart`; its legend is a row under the plot, never over the bars."""
    figure = Figure(figsize=(7.5, 3.3))
    axes = figure.subplots()
    if digest.period == "day":
        labels = [locale.local(point.start).strftime("%H") for point in digest.timeline]
    else:
        labels = [locale.weekday(locale.local(point.start).date()) for point in digest.timeline]
    positions = range(len(digest.timeline))
    bottom = [0] * len(digest.timeline)
    for label in ("negative", "neutral", "positive"):
        values = [getattr(point, label) for point in digest.timeline]
        axes.bar(positions, values, bottom=bottom, color=COLOURS[label], label=say(locale, label), width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylim(0, max(max(bottom, default=0), 1) * 1.08)
    axes.set_xticks(list(positions), labels, fontsize=7)
    axes.set_ylabel(say(locale, "count"))
    net_axes = axes.twinx()
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    # No net sentiment where there is no mention: a gap in the line, not a misleading 0.
    nets = [point.net if point.negative + point.neutral + point.positive else float("nan") for point in digest.timeline]
    net_axes.plot(list(positions), nets, color=COLOURS["net"], marker=".", label=say(locale, "net"))
    net_axes.set_ylim(-1.05, 1.05)
    net_axes.set_ylabel(say(locale, "net"))
    handles, names = axes.get_legend_handles_labels()
    net_handles, net_names = net_axes.get_legend_handles_labels()
    # Below the tick labels, outside the axes: the legend hides no bar and no point of the line.
    axes.legend(
        handles + net_handles,
        names + net_names,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncols=4,
        fontsize=8,
        frameon=False,
    )
    axes.set_title(say(locale, "chart_sentiment"), fontsize=10)
    return figure


def sources_chart(digest: DigestEvent, locale: Locale) -> bytes:
    """Horizontal bars: share of the period's mentions by source kind."""
    figure = Figure(figsize=(5.0, 0.5 + 0.35 * max(len(digest.sources), 1)))
    axes = figure.subplots()
    rows = [row for row in digest.sources if row.count][::-1]
    axes.barh([row.key for row in rows], [row.share * 100 for row in rows], color="#2980b9")
    for index, row in enumerate(rows):
        axes.text(row.share * 100, index, f" {locale.percent(row.share)}", va="center", fontsize=8)
    axes.set_xlim(0, 110)
    axes.set_xlabel("%")
    axes.set_title(say(locale, "chart_sources"), fontsize=10)
    return _png(figure)
