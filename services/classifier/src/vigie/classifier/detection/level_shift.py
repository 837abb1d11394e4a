"""Volume mode for a real-valued series (CPU, latency, temperature, price, speed): a two-sided, online detector.

A count series has the surge detector (:mod:`~vigie.classifier.detection.series`); a real-valued one has no count
model, and its anomalies are spikes, drops and level shifts in either direction. Per row ``x`` (in time order):

* the *level* ``m`` is an exponentially weighted mean of the series (time constant ``level_rows``) and the *spread*
  ``s`` an exponentially weighted mean absolute deviation from it (``spread_rows``); both learn from the row
  winsorised at ``m ± clip_z·s`` once warm (the warm-up learns from every row), so a spike teaches them little and a lasting shift is learnt within hours;
* the *spike* test is ``|x - m| / s`` and the *shift* test ``|f - m| / s`` with ``f`` a fast exponentially
  weighted mean (``fast_rows``): a moderate level shift that lasts is caught where no single row is extreme;
* the *seasonal* test compares the row with the same time of the previous day: ``|x - x_{t-P}|`` over the
  exponentially weighted mean of that daily difference (``P`` rows a day); a daily pattern that breaks (a day that
  stays flat, a peak that does not come) is caught where level and spread see nothing unusual;
* each test is divided by its own raise threshold and the largest ratio ``r`` is the row's evidence; the
  ``anomaly_score`` is ``r / (r + 1)`` (0.5 at the raise threshold, the volume mode's convention);
* a row alerts when ``r >= 1`` after ``warmup_rows`` rows and at least ``refractory_rows`` rows after the previous
  alert (one detection per anomaly: later rows of the same anomaly would be false positives).

Statistics are in rows, not seconds (a row is the series' interval); every update is O(1) except the one-day ring
of the seasonal test. Deterministic, no look-ahead.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

#: The spread never falls below this fraction of the level's magnitude (a constant series still has a scale).
_RELATIVE_FLOOR = 1e-6
_ABSOLUTE_FLOOR = 1e-9


@dataclass(frozen=True, slots=True)
class LevelShiftSettings:
    """Settings of :class:`LevelShiftDetector` (rows are the series' own interval). A threshold of ``inf``
    disables its test."""

    level_rows: float = 72.0
    spread_rows: float = 288.0
    fast_rows: float = 6.0
    clip_z: float = 4.0
    spike_z: float = 10.0
    shift_z: float = 3.0
    seasonal_z: float = 8.0
    warmup_rows: int = 288
    refractory_rows: int = 144


@dataclass(slots=True)
class LevelShiftState:
    """Running statistics of one series."""

    rows: int = 0
    level: float = 0.0
    spread: float = 0.0
    fast: float = 0.0
    seasonal_spread: float = 0.0
    seasonal_rows: int = 0
    last_alert: int | None = None
    day: deque[float] = field(default_factory=deque)


class LevelShiftDetector:
    """Two-sided spike / shift / seasonal detector of one real-valued series, row by row."""

    def __init__(self, settings: LevelShiftSettings, rows_per_day: int) -> None:
        self.settings = settings
        self.rows_per_day = max(1, rows_per_day)
        self.state = LevelShiftState()

    def step(self, value: float) -> tuple[float, bool]:
        """Account one row; returns (evidence ratio ``r``, whether this row alerts)."""
        settings = self.settings
        state = self.state
        ratio = 0.0
        if state.rows == 0:
            state.level = state.fast = value
        else:
            scale = max(state.spread, _RELATIVE_FLOOR * abs(state.level), _ABSOLUTE_FLOOR)
            fast = state.fast + (value - state.fast) / settings.fast_rows
            ratio = max(
                abs(value - state.level) / scale / settings.spike_z, abs(fast - state.level) / scale / settings.shift_z
            )
            if len(state.day) == self.rows_per_day:
                difference = abs(value - state.day[0])
                if state.seasonal_rows >= self.rows_per_day:
                    seasonal_scale = max(state.seasonal_spread, _RELATIVE_FLOOR * abs(state.level), _ABSOLUTE_FLOOR)
                    ratio = max(ratio, difference / seasonal_scale / settings.seasonal_z)
                bounded = difference
                if state.seasonal_rows >= self.rows_per_day:
                    bounded = min(difference, settings.clip_z * max(state.seasonal_spread, scale))
                state.seasonal_spread += (bounded - state.seasonal_spread) / min(
                    state.seasonal_rows + 1, settings.spread_rows
                )
                state.seasonal_rows += 1
            clipped = value  # the warm-up learns from every row
            if state.rows >= settings.warmup_rows:
                clipped = min(max(value, state.level - settings.clip_z * scale), state.level + settings.clip_z * scale)
            learning = min(state.rows + 1, settings.level_rows)
            state.spread += (abs(clipped - state.level) - state.spread) / min(state.rows, settings.spread_rows)
            state.level += (clipped - state.level) / learning
            state.fast = fast
        state.day.append(value)
        if len(state.day) > self.rows_per_day:
            state.day.popleft()
        state.rows += 1
        alert = (
            ratio >= 1.0
            and state.rows > settings.warmup_rows
            and (state.last_alert is None or state.rows - state.last_alert > settings.refractory_rows)
        )
        if alert:
            state.last_alert = state.rows
        return ratio, alert
