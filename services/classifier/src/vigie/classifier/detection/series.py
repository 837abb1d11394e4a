"""Volume mode: the same surge detector over a plain count series (one value per fixed interval, as in NAB).

There is no sentiment here: every count is treated as "negative volume", there is no share test and no reach
weighting, and the series is judged in UTC. An interval with no row (an irregular or gappy series) is missing
data: it teaches the baseline nothing and the test windows expect nothing in it (it is not a zero count). A cold series learns its level from its first values (running
mean) and raises nothing during ``warmup_buckets``. A row *alerts* exactly when the detector raises an
incident or escalates one on it.

A series that is not a count (negative or fractional values, rows off the interval's grid, or integers less
dispersed than counts) is handed to the two-sided level-shift detector instead (:class:`VolumeModeDetector`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from vigie.classifier.detection.level_shift import LevelShiftDetector, LevelShiftSettings
from vigie.classifier.detection.local_time import LocalCalendar
from vigie.classifier.detection.settings import DetectorSettings
from vigie.classifier.detection.state import SurgeState
from vigie.classifier.detection.surge import SurgeDetector

#: Volume-mode defaults: complete buckets arrive in order (no lateness), one day of warm-up with no prior. A whole
#: series has no sentiment to separate a buzz from a crisis, so a short surge (15 min or 1 h windows) must be far more
#: significant than in mention mode: bursts make the upper tail of short windows much heavier than the count model's. A
#: 12-hour window catches what those miss, a sustained moderate rise (a story that keeps a company talked about for an
#: afternoon and an evening): its count sums 144 buckets, so bursts average out and its dispersion, learnt at that
#: scale, leaves its scores close to the model's (on the dev series P(score > 2) is 1-2 % of buckets where the model
#: says 1 %); and a day holds only two independent 12-hour windows, so a tail probability of 1e-3 there is about one
#: chance alarm a year of a series where 1e-3 on 5-minute windows would be one every few days. The 12-hour sum still
#: holds a surge for hours after it ended (and its score can climb then, as the night's expectation falls), so it raises
#: only while the last hour still runs at least half as far above normal as the whole window: a surge under way, not one
#: already over. Severities keep the mention-mode proportions to the short windows' raise threshold (major x2, critical
#: x4), and an incident's severity settles silently over its first hour (a burst arriving over a few rows is one alert,
#: not a raise and an escalation on the next row). Without sentiment, a series' level and weekly rhythm are all there is
#: to learn: the level adapts over about a week (a rise of a few hours barely moves it) and the hour-of-week shape over
#: two weeks (a series learns its weekends within its first weeks, not its first months). The 12-hour window's
#: dispersion, learnt online through the first week, holds the model's ignorance of that week's rhythm (weekends at
#: half the weekday level look like noise), so it is estimated again once a week is learnt: from the week's hourly
#: counts around its typical day, by their median absolute deviation (robust to the weekend and to bursts). A short
#: window (15 min or 1 h) raises only on a sum larger than any it reached in the last two weeks: without sentiment, a
#: burst no larger than one the series already had (a weekly show, a market open, a recurring spike the baseline never
#: learns because bursts are clipped or held under an incident) is that series' ordinary tail, not a crisis. The
#: 12-hour window is not held to it (its labelled rises are seldom above their previous weeks' sums).
VOLUME_SETTINGS = DetectorSettings(
    allowed_lateness_seconds=0,
    prior_weight_buckets=0.0,
    warmup_buckets=288,
    window_buckets=(3, 12, 144),
    raise_score=16.0,
    window_raise_scores=(16.0, 16.0, 3.0),
    major_score=32.0,
    critical_score=64.0,
    escalation_grace_seconds=3600,
    ongoing_buckets=12,
    min_dispersion=0.04,
    prior_dispersion=0.25,
    cusum_ratio=0.0,
    look_score_per_decade=0.0,
    cold_dispersion=0.0,
    dispersion_moment_sums=False,
    level_time_constant_buckets=1728.0,
    hour_of_week_time_constant_buckets=4032.0,
    reestimated_window_hours=12.0,
    unprecedented_days=14,
)


@dataclass(frozen=True, slots=True)
class SeriesStep:
    """The detector's verdict on one row."""

    anomaly_score: float
    alert: bool
    transitions: tuple[str, ...]


class SeriesDetector:
    """Runs the surge detector over one count series, row by row (rows in time order)."""

    def __init__(self, settings: DetectorSettings | None = None, key: str = "series") -> None:
        self.settings = settings or VOLUME_SETTINGS
        self._detector = SurgeDetector(key, self.settings, LocalCalendar("UTC"), 0.0, share_test=False, min_level=1e-3)
        self.state: SurgeState = self._detector.new_state()

    @classmethod
    def for_interval(cls, interval_seconds: int, settings: DetectorSettings | None = None) -> SeriesDetector:
        """A detector whose buckets are the series' interval (warm-up and windows keep their duration)."""
        base = settings or VOLUME_SETTINGS
        scale = base.bucket_seconds / interval_seconds
        widths: dict[int, float] = {}
        for index, width in enumerate(base.window_buckets):
            widths.setdefault(max(1, round(width * scale)), base.raise_score_of(index))
        return cls(
            replace(
                base,
                bucket_seconds=interval_seconds,
                warmup_buckets=round(base.warmup_buckets * scale),
                ongoing_buckets=min(round(base.ongoing_buckets * scale), max(widths)),
                window_buckets=tuple(widths),
                window_raise_scores=tuple(widths.values()) if base.window_raise_scores else (),
                level_time_constant_buckets=base.level_time_constant_buckets * scale,
                hour_of_day_time_constant_buckets=base.hour_of_day_time_constant_buckets * scale,
                hour_of_week_time_constant_buckets=base.hour_of_week_time_constant_buckets * scale,
            )
        )

    def step(self, timestamp: datetime, value: float) -> SeriesStep:
        """Account the count of the interval starting at ``timestamp`` (aware) and evaluate at its end."""
        detector = self._detector
        seconds = self.settings.bucket_seconds
        moment = math.floor(timestamp.timestamp())
        if "offset" not in self.state:  # rows are aligned on their own grid, which may not be the bucket grid
            self.state["offset"] = moment % seconds
        start = moment - self.state["offset"]
        end = start + seconds - 1
        clock = self.state["clock"]
        if clock is not None and end <= clock:
            return SeriesStep(0.0, False, ())
        # Intervals between the previous row and this one have no row: missing data, not zero counts.
        missing = range(0) if clock is None else range(clock // seconds + 1, start // seconds)
        decisions = detector.advance(self.state, end, missing)
        count: float = int(value) if float(value).is_integer() else float(value)
        detector.add(self.state, start, count, count, float(count))
        evaluation = detector.evaluation(self.state)
        decisions += detector.evaluate(self.state, float(start), 0, evaluation)
        # 0.5 where the deciding window reaches its own raise threshold.
        score = 0.0 if evaluation is None else evaluation.score
        threshold = self.settings.raise_score if evaluation is None else evaluation.threshold
        transitions = tuple(decision.transition for decision in decisions)
        return SeriesStep(
            anomaly_score=round(score / (score + threshold), 6),
            alert=any(t in ("raised", "escalated") for t in transitions),
            transitions=transitions,
        )


#: Real-valued volume-mode defaults (see :mod:`~vigie.classifier.detection.level_shift`), chosen on the NAB corpus.
REAL_VALUED_SETTINGS = LevelShiftSettings()


@dataclass(frozen=True, slots=True)
class VolumeModeSettings:
    """Volume mode: the surge detector's settings for a count series, the level-shift detector's for a real-valued
    one, whether a count series must also be overdispersed (variance >= mean over its first day), whether its
    rows must lie on the grid of its interval, and whether a count series also alerts on an unprecedented value
    (the level-shift detector's novelty test) at least ``count_novelty_min_z`` spreads from its level (an all-time
    high or low of a quiet count's noise, 2-3 spreads out in a few days of Poisson-like counts, is not news)."""

    count: DetectorSettings = VOLUME_SETTINGS
    real: LevelShiftSettings = REAL_VALUED_SETTINGS
    counts_overdispersed: bool = True
    counts_on_grid: bool = True
    count_novelty: bool = True
    count_novelty_min_z: float = 4.0


class VolumeModeDetector:
    """Volume mode over one series: the surge detector while the series looks like a count, the two-sided
    level-shift detector once it does not.

    The kind is decided online from the rows seen so far, never ahead: a row that is negative or not an integer,
    or (with ``counts_on_grid``) whose time is off the grid of the series' interval (a count is a count per fixed
    interval: a sensor read at irregular times is a measurement), makes the series real-valued at once and for good; otherwise the series is decided at the end of the surge
    detector's warm-up (its first day): a count when every row was a non-negative integer and (with
    ``counts_overdispersed``) their variance is at least their mean, as for counts of independent events (a
    speed or a percentage that happens to be written in integers varies far less than a count of its size).
    Until then the surge detector's verdicts are reported (it is warming up: it raises nothing). A count series
    gets exactly the surge detector's output. Both detectors learn from the start (the surge detector only while
    the series may still be a count), so a series that turns out real-valued has a warm level-shift detector.
    With ``count_novelty`` a count row also alerts when its value is unprecedented (the level-shift detector's
    novelty test: beyond the range of every earlier row), which the upward surge detector may hold back (a new
    record below its "unprecedented over 14 days" sums) or cannot see (an all-time low: a service that stops).
    """

    def __init__(self, interval_seconds: int, settings: VolumeModeSettings | None = None) -> None:
        self.settings = settings or VolumeModeSettings()
        self._count = SeriesDetector.for_interval(interval_seconds, self.settings.count)
        self._real = LevelShiftDetector(self.settings.real, rows_per_day=max(1, 86400 // interval_seconds))
        self._decide_after = max(1, self._count.settings.warmup_buckets)
        self.kind: str | None = None  # "count" or "real" once decided
        self._interval = interval_seconds
        self._origin: float | None = None
        self._rows = 0
        self._sum = 0.0
        self._sum_squares = 0.0
        self._last_novelty: int | None = None

    def step(self, timestamp: datetime, value: float) -> SeriesStep:
        """Account the row of the interval starting at ``timestamp`` (aware; rows in time order)."""
        ratio, real_alert = self._real.step(value)
        count_step: SeriesStep | None = None
        if self.kind != "real":
            moment = timestamp.timestamp()
            if self._origin is None:
                self._origin = moment
            on_grid = not self.settings.counts_on_grid or (moment - self._origin) % self._interval == 0
            if value >= 0 and float(value).is_integer() and on_grid:
                count_step = self._count.step(timestamp, value)
                self._rows += 1
                self._sum += value
                self._sum_squares += value * value
                if self.kind is None and self._rows >= self._decide_after:
                    self.kind = "count" if self._looks_like_counts() else "real"
            else:
                self.kind = "real"
        if self.kind == "real" or count_step is None:
            return SeriesStep(round(ratio / (ratio + 1.0), 6), real_alert, ("raised",) if real_alert else ())
        if self.kind == "count" and self.settings.count_novelty and not count_step.alert:
            return self._with_novelty(count_step)
        return count_step

    def _with_novelty(self, count_step: SeriesStep) -> SeriesStep:
        """A count row the surge detector does not alert on alerts when its value is unprecedented (beyond the
        range of every earlier row: the level-shift detector's novelty test), at most once per refractory."""
        novelty = self._real.novelty
        rows = self._real.state.rows
        if (
            novelty < 1.0
            or self._real.spike_z < self.settings.count_novelty_min_z
            or (self._last_novelty is not None and rows - self._last_novelty <= self.settings.real.refractory_rows)
        ):
            return count_step
        self._last_novelty = rows
        score = max(count_step.anomaly_score, round(novelty / (novelty + 1.0), 6))
        return SeriesStep(score, True, (*count_step.transitions, "novel"))

    def _looks_like_counts(self) -> bool:
        if not self.settings.counts_overdispersed:
            return True
        mean = self._sum / self._rows
        variance = self._sum_squares / self._rows - mean * mean
        return variance >= mean
