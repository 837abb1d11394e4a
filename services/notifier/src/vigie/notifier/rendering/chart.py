"""The evidence chart: observed vs expected negative mentions, as a PNG (matplotlib, Agg backend).

Drawing takes tens of milliseconds of pure-Python CPU: a :class:`ChartRenderer` draws on a
:class:`~vigie.runtime.workers.Worker` (a worker process in the service, a thread by default) and remembers
the last charts, so the retries of one notification draw it once.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from vigie.notifier.rendering.catalog import CATALOG
from vigie.runtime.workers import ThreadWorker, Worker
from vigie.schemas import SeriesPoint
from vigie.text.locale import Language, zone_name

#: matplotlib's font cache and text layout are not thread-safe: every drawing in a thread holds this.
MATPLOTLIB_LOCK = threading.Lock()
CACHE_SIZE = 64


@dataclass(frozen=True)
class ChartRequest:
    series: tuple[SeriesPoint, ...]
    timezone: str
    title: str
    observed_label: str
    expected_label: str
    partial_label: str = "bucket in progress"
    unit_label: str = "mentions per 5 min"
    zone_label: str = ""
    locale: str = "en"


#: The usual range drawn around the expectation: mean + this many Poisson standard deviations (at least
#: :data:`_MIN_BAND`, so an expectation of 0.02 is still a visible band above the zero line).
_BAND_SIGMAS = 2.0
_MIN_BAND = 0.5


def draw_chart(request: ChartRequest) -> bytes | None:
    """A 640x280 PNG of the series in the receiver's time zone, or None when there is nothing to draw.

    Observed counts per bucket in red; the expectation as a dashed line inside a grey band (the usual range);
    the last bucket, still in progress, as a hollow point joined by a dotted line (its count is not final,
    it is not a drop). The title names the unit, the date and the time zone."""
    series = request.series
    if len(series) < 2:
        return None
    _import_matplotlib()
    import math

    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    zone = ZoneInfo(request.timezone)
    times = [p.start.astimezone(zone) for p in series]
    xs: Any = times  # matplotlib converts datetimes; its stubs only name arrays
    observed = [p.observed for p in series]
    expected = [p.expected for p in series]
    upper = [max(e + _BAND_SIGMAS * math.sqrt(e), _MIN_BAND) for e in expected]
    date = times[-1].strftime("%d/%m/%Y" if request.locale == "fr" else "%Y-%m-%d")
    zone_label = request.zone_label or request.timezone
    with MATPLOTLIB_LOCK:
        figure = Figure(figsize=(6.4, 2.8), dpi=100)
        figure.subplots_adjust(left=0.09, right=0.96, top=0.86, bottom=0.14)
        axes = figure.add_subplot(1, 1, 1)
        axes.fill_between(
            xs, [0.0] * len(xs), upper, color="#8e8e93", alpha=0.25, linewidth=0, label=request.expected_label
        )
        axes.plot(xs, expected, color="#48484a", linestyle="--", linewidth=1.2)
        axes.fill_between(xs[:-1], observed[:-1], color="#c00018", alpha=0.15)
        axes.plot(xs[:-1], observed[:-1], color="#c00018", linewidth=2, label=request.observed_label)
        axes.plot(xs[-2:], observed[-2:], color="#c00018", linewidth=1.5, linestyle=":")
        axes.plot(
            [xs[-1]],
            [observed[-1]],
            marker="o",
            markerfacecolor="white",
            markeredgecolor="#c00018",
            linestyle="none",
            label=request.partial_label,
        )
        axes.set_title(f"{request.title} — {date} ({zone_label})", fontsize=9)
        axes.set_ylabel(request.unit_label, fontsize=8)
        axes.set_ylim(bottom=0, top=max(max(observed), max(upper)) * 1.15 + 0.5)
        span = (times[-1] - times[0]).total_seconds() / 3600
        step = 1 if span <= 8 else (2 if span <= 14 else 3)
        axes.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, step), tz=zone))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=zone))  # type: ignore[no-untyped-call]
        axes.set_xlim(times[0], times[-1] + (times[-1] - times[-2]))  # type: ignore[arg-type]
        axes.tick_params(labelsize=8)
        axes.legend(loc="upper left", fontsize=7, framealpha=0.9)
        axes.grid(alpha=0.3)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})  # speed over bytes
    return buffer.getvalue()


def chart_request_for(series: tuple[SeriesPoint, ...], timezone: str, locale: Language) -> ChartRequest:
    """The chart of ``series`` in the words of ``locale`` (the email and the incident page draw the same)."""
    words = CATALOG[locale]
    return ChartRequest(
        series,
        timezone,
        words["chart_title"],
        words["legend_observed"],
        words["legend_expected"],
        words["legend_partial"],
        words["chart_unit"],
        zone_name(ZoneInfo(timezone), locale),
        locale,
    )


class ChartRenderer:
    """Draws charts on ``worker`` (by default a thread; :func:`draw_chart` holds :data:`MATPLOTLIB_LOCK`)
    without blocking the event loop; the last :data:`CACHE_SIZE` charts are remembered. ``render`` returns the PNG, or None when
    there is nothing to draw."""

    def __init__(self, worker: Worker | None = None) -> None:
        self._worker = worker or ThreadWorker()
        self._cache: OrderedDict[ChartRequest, bytes | None] = OrderedDict()

    async def warm_up(self) -> None:
        """Import matplotlib in the worker before the first alert needs it."""
        await self._worker.warm_up(_import_matplotlib)

    async def render(self, request: ChartRequest) -> bytes | None:
        if request in self._cache:
            self._cache.move_to_end(request)
            return self._cache[request]
        png = await self._worker.run(draw_chart, request)
        self._cache[request] = png
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return png

    def close(self) -> None:
        self._worker.close()


#: The renderer that draws in a thread (tests, the benchmarks, the incident page).
ThreadChartRenderer = ChartRenderer


@cache
def _import_matplotlib() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure
