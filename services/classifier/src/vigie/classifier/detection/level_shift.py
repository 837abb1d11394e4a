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
* each test is held to its own *record*: its raise threshold is the larger of its fixed threshold and
  ``record_factor`` times the largest value the same test reached over the last ``record_days`` days (rows after
  the warm-up, not counting the last ``record_gap_rows`` rows, so an anomaly's own first rows do not raise its
  bar). A series whose ordinary life holds 10-spread spikes every day (a CPU that hits 100 % a few times a day, a
  load balancer's bursts) learns that such spikes are its ordinary tail; a quiet series keeps the fixed thresholds;
* the *novelty* test compares the row with the range of every value seen so far: a row beyond the past maximum or
  below the past minimum by more than ``novelty_margin`` times that range is an unprecedented value (a temperature
  lower than ever, a latency higher than ever), however noisy the series was within its range; it is tested
  after ``novelty_warmup_rows`` rows (a range seen over one day is not yet the series' range) and only on a row at
  least ``novelty_min_z`` spreads from the level (a new record of a noisy but steady series is not news);
* each test is divided by its raise threshold and the largest ratio ``r`` is the row's evidence; the
  ``anomaly_score`` is ``r / (r + 1)`` (0.5 at the raise threshold, the volume mode's convention);
* a row alerts when ``r >= 1`` after ``warmup_rows`` rows and at least ``refractory_rows`` rows after the previous
  alert (one detection per anomaly: later rows of the same anomaly would be false positives).

Statistics are in rows, not seconds (a row is the series' interval); every update is O(1) amortised (the records
are monotonic queues over their window, the seasonal test a one-day ring). Deterministic, no look-ahead.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

#: The spread never falls below this fraction of the level's magnitude (a constant series still has a scale).
_RELATIVE_FLOOR = 1e-6
_ABSOLUTE_FLOOR = 1e-9


@dataclass(frozen=True, slots=True)
class LevelShiftSettings:
    """Settings of :class:`LevelShiftDetector` (rows are the series' own interval). A threshold or a
    ``novelty_margin`` of ``inf`` disables its test; a ``record_factor`` of 0 keeps the fixed thresholds."""

    level_rows: float = 72.0
    spread_rows: float = 288.0
    fast_rows: float = 6.0
    clip_z: float = 4.0
    spike_z: float = 10.0
    shift_z: float = 3.0
    seasonal_z: float = 8.0
    warmup_rows: int = 288
    refractory_rows: int = 72
    record_days: float = 4.0
    record_factor: float = 1.6
    record_gap_rows: int = 12
    novelty_margin: float = 0.02
    novelty_warmup_rows: int = 576
    novelty_min_z: float = 2.0


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
    highest: float = -math.inf
    lowest: float = math.inf
    #: The tests' statistics of the last ``record_gap_rows`` rows, not yet part of the records.
    pending: deque[tuple[int, tuple[float, float, float]]] = field(default_factory=deque)
    #: Per test, a monotonic queue of (row, statistic): the record of the window is its first entry.
    records: tuple[deque[tuple[int, float]], ...] = field(default_factory=lambda: (deque(), deque(), deque()))


class LevelShiftDetector:
    """Two-sided spike / shift / seasonal detector of one real-valued series, row by row."""

    def __init__(self, settings: LevelShiftSettings, rows_per_day: int) -> None:
        self.settings = settings
        self.rows_per_day = max(1, rows_per_day)
        self.state = LevelShiftState()
        #: The novelty test's ratio and the spike statistic (distance from the level in spreads) on the last row
        #: (0 when not tested): the volume mode also reads them on counts.
        self.novelty = 0.0
        self.spike_z = 0.0

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
            seasonal = 0.0
            if len(state.day) == self.rows_per_day:
                difference = abs(value - state.day[0])
                if state.seasonal_rows >= self.rows_per_day:
                    seasonal_scale = max(state.seasonal_spread, _RELATIVE_FLOOR * abs(state.level), _ABSOLUTE_FLOOR)
                    seasonal = difference / seasonal_scale
                bounded = difference
                if state.seasonal_rows >= self.rows_per_day:
                    bounded = min(difference, settings.clip_z * max(state.seasonal_spread, scale))
                state.seasonal_spread += (bounded - state.seasonal_spread) / min(
                    state.seasonal_rows + 1, settings.spread_rows
                )
                state.seasonal_rows += 1
            statistics = (abs(value - state.level) / scale, abs(fast - state.level) / scale, seasonal)
            ratio = self._against_records(statistics)
            self.spike_z = statistics[0]
            self.novelty = self._novelty(value) if statistics[0] >= settings.novelty_min_z else 0.0
            ratio = max(ratio, self.novelty)
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
        state.highest = max(state.highest, value)
        state.lowest = min(state.lowest, value)
        state.rows += 1
        alert = (
            ratio >= 1.0
            and state.rows > settings.warmup_rows
            and (state.last_alert is None or state.rows - state.last_alert > settings.refractory_rows)
        )
        if alert:
            state.last_alert = state.rows
        return ratio, alert

    def _against_records(self, statistics: tuple[float, float, float]) -> float:
        """The largest ratio of a test's statistic to its raise threshold (fixed, or above the test's record);
        then the row's statistics join the pending rows, and the oldest pending row joins the records."""
        settings = self.settings
        state = self.state
        row = state.rows
        horizon = row - settings.record_days * self.rows_per_day
        fixed = (settings.spike_z, settings.shift_z, settings.seasonal_z)
        ratio = 0.0
        for queue, statistic, threshold in zip(state.records, statistics, fixed, strict=True):
            while queue and queue[0][0] < horizon:
                queue.popleft()
            if queue:
                threshold = max(threshold, settings.record_factor * queue[0][1])
            ratio = max(ratio, statistic / threshold)
        if row >= settings.warmup_rows:
            state.pending.append((row, statistics))
        while state.pending and state.pending[0][0] <= row - settings.record_gap_rows:
            old_row, old = state.pending.popleft()
            for queue, statistic in zip(state.records, old, strict=True):
                while queue and queue[-1][1] <= statistic:
                    queue.pop()
                queue.append((old_row, statistic))
        return ratio

    def _novelty(self, value: float) -> float:
        """How far the row lies beyond the range of every earlier value, in ``novelty_margin`` ranges."""
        state = self.state
        span = state.highest - state.lowest
        if state.rows < self.settings.novelty_warmup_rows or not span > 0.0 or self.settings.novelty_margin == math.inf:
            return 0.0
        beyond = max(value - state.highest, state.lowest - value)
        if beyond <= 0.0:
            return 0.0
        if self.settings.novelty_margin <= 0.0:
            return math.inf
        return beyond / (self.settings.novelty_margin * span)
