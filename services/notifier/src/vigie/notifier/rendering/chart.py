"""The evidence chart: observed vs expected negative mentions, as a PNG (matplotlib, Agg backend)."""

from __future__ import annotations

import io
import threading
from functools import lru_cache
from zoneinfo import ZoneInfo

from vigie.schemas import SeriesPoint

_LOCK = threading.Lock()  # pyplot state is global; render one chart at a time


@lru_cache(maxsize=64)  # retries of one notification draw it once
def render_chart(
    series: tuple[SeriesPoint, ...], zone: ZoneInfo, title: str, observed_label: str, expected_label: str
) -> bytes | None:
    """A 640x260 PNG of the series in the receiver's time zone, or None when there is nothing to draw."""
    if len(series) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    times = [p.start.astimezone(zone) for p in series]
    with _LOCK:
        figure = Figure(figsize=(6.4, 2.6), dpi=100)
        axes = figure.add_subplot(1, 1, 1)
        axes.plot(times, [p.expected for p in series], color="#8e8e93", linestyle="--", label=expected_label)  # type: ignore[arg-type]
        axes.fill_between(times, [p.observed for p in series], color="#c00018", alpha=0.15)  # type: ignore[arg-type]
        axes.plot(times, [p.observed for p in series], color="#c00018", linewidth=2, label=observed_label)  # type: ignore[arg-type]
        axes.set_title(title, fontsize=10)
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=zone))  # type: ignore[no-untyped-call]
        axes.legend(loc="upper left", fontsize=8)
        axes.grid(alpha=0.3)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
