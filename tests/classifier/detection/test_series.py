"""Volume mode (``SeriesDetector``): the short windows catch sudden surges, the 12-hour window sustained rises."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from vigie.classifier.detection import baseline, ring
from vigie.classifier.detection.local_time import LocalCalendar
from vigie.classifier.detection.series import VOLUME_SETTINGS, SeriesDetector
from vigie.classifier.detection.settings import DetectorSettings
from vigie.classifier.detection.surge import Evaluation

START = datetime(2015, 2, 26, 21, 42, 53, tzinfo=UTC)
RISE_AT = 8 * 288 + 100


def alerts(detector: SeriesDetector, factor: float, seed: int, length: int = 144, days: int = 10) -> list[int]:
    """Rows (relative to the rise) where ``detector`` alerts on a daily-seasonal series of about 20 counts per
    5 minutes whose mean is multiplied by ``factor`` for ``length`` rows from day 8."""
    rng = random.Random(seed)
    rows = []
    for i in range(days * 288):
        moment = START + timedelta(minutes=5 * i)
        mean = 20.0 * (1.0 + 0.6 * math.sin(2 * math.pi * ((moment.hour + 0.5) % 24 - 9) / 24))
        if RISE_AT <= i < RISE_AT + length:
            mean *= factor
        value = sum(1 for _ in range(int(mean * 3)) if rng.random() < 1 / 3)
        if detector.step(moment, value).alert:
            rows.append(i - RISE_AT)
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_sustained_rise_raises_within_hours_where_short_windows_stay_silent(seed: int) -> None:
    raised = alerts(SeriesDetector.for_interval(300), 2.5, seed)
    assert raised and 12 <= raised[0] <= 72  # after its first hour, within its first six
    assert all(0 <= row < 144 for row in raised)
    short_only = replace(VOLUME_SETTINGS, window_buckets=(3, 12), window_raise_scores=(16.0, 16.0))
    assert alerts(SeriesDetector.for_interval(300, short_only), 2.5, seed) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ordinary_days_raise_nothing(seed: int) -> None:
    assert alerts(SeriesDetector.for_interval(300), 1.0, seed) == []


def test_each_window_has_its_raise_threshold() -> None:
    settings = DetectorSettings(window_buckets=(3, 12, 144), window_raise_scores=(16.0, 16.0, 3.0))
    assert [settings.raise_score_of(i) for i in range(3)] == [16.0, 16.0, 3.0]
    assert DetectorSettings().raise_score_of(1) == DetectorSettings().raise_score
    with pytest.raises(ValueError, match="one score per test window"):
        DetectorSettings(window_buckets=(3, 12), window_raise_scores=(6.0,))
    # A series of 10-minute rows keeps the windows' durations, and each window its own threshold.
    coarse = SeriesDetector.for_interval(600).settings
    assert coarse.window_buckets == (2, 6, 72)
    assert coarse.window_raise_scores == (16.0, 16.0, 3.0)


def transitions_of_a_burst(detector: SeriesDetector) -> list[tuple[int, tuple[str, ...]]]:
    """Transitions on the rows of a burst that arrives over two rows (15x, then 60x the usual 20 counts) and
    fades over the next hours, on day 5 of a steady series."""
    rng = random.Random(7)
    burst = {0: 15.0, 1: 60.0, 2: 10.0, 3: 3.0}
    seen = []
    for i in range(6 * 288):
        mean = 20.0 * burst.get(i - RISE_AT + 3 * 288, 1.0)
        value = sum(1 for _ in range(int(mean * 3)) if rng.random() < 1 / 3)
        step = detector.step(START + timedelta(minutes=5 * i), value)
        if step.transitions:
            seen.append((i - RISE_AT + 3 * 288, step.transitions))
    return seen


def test_a_burst_arriving_over_two_rows_is_one_alert() -> None:
    # Without the grace the second row of the burst escalates the incident its first row raised: two alerts.
    eager = transitions_of_a_burst(
        SeriesDetector.for_interval(300, replace(VOLUME_SETTINGS, escalation_grace_seconds=0))
    )
    assert eager[:2] == [(0, ("raised",)), (1, ("escalated",))]
    # Volume mode keeps the raise's severity through the incident's first hour: one alert, the raise.
    settled = transitions_of_a_burst(SeriesDetector.for_interval(300))
    assert settled[0] == (0, ("raised",))
    assert all(transitions != ("escalated",) for _, transitions in settled)


def detector_after(rows: int, surge_rows: range) -> SeriesDetector:
    """A volume-mode detector fed ``rows`` rows of a steady series of about 20 counts per 5 minutes, at 3x
    during ``surge_rows`` (relative to day 8)."""
    rng = random.Random(5)
    detector = SeriesDetector.for_interval(300, replace(VOLUME_SETTINGS, warmup_buckets=10**6))  # never raises
    for i in range(rows):
        mean = 20.0 * (3.0 if i - RISE_AT in surge_rows else 1.0)
        detector.step(START + timedelta(minutes=5 * i), sum(1 for _ in range(int(mean * 3)) if rng.random() < 1 / 3))
    return detector


def test_a_long_window_raises_only_on_a_surge_still_under_way() -> None:
    width = VOLUME_SETTINGS.longest_window
    # A 4-hour surge that ended an hour ago, one still under way, one that began 3 hours ago.
    for surge, ongoing in ((range(0, 48), False), (range(0, 60), True), (range(24, 60), True)):
        detector = detector_after(RISE_AT + 60, surge)
        state = detector.state
        current = state["clock"] // 300
        observed = ring.window(state["ring"], current, width)[0]
        expected = ring.expected_window(state["ring"], current, width)
        assert observed > 1.2 * expected  # the 12-hour sum holds the surge either way
        long_window = Evaluation(observed, expected, 5.0, observed, observed, 1.0, 1.0, 0.0, 3.0, width)
        inner = detector._detector  # the detector the command runs
        assert inner.ongoing(state, long_window) is ongoing
        # A window no longer than the check decides on what it holds.
        assert inner.ongoing(state, replace(long_window, width=12))


def weekly_series(
    detector: SeriesDetector, seed: int, days: int, rise: tuple[datetime, int, float] | None = None
) -> tuple[list[datetime], dict[int, float | None]]:
    """Feed ``days`` days of a series with a daily rhythm and weekends at half the weekday level (about 20 counts
    per 5 minutes on weekdays), times ``factor`` for ``rows`` rows from ``at`` when ``rise`` is ``(at, rows,
    factor)``. Returns the rows that alerted and the long window's dispersion at noon of each day."""
    rng = random.Random(seed)
    raised = []
    dispersions = {}
    for i in range(days * 288):
        moment = START + timedelta(minutes=5 * i)
        mean = 20.0 * (1.0 + 0.6 * math.sin(2 * math.pi * ((moment.hour + 0.5) % 24 - 9) / 24))
        if moment.weekday() >= 5:
            mean *= 0.5
        if rise is not None and rise[0] <= moment < rise[0] + timedelta(minutes=5 * rise[1]):
            mean *= rise[2]
        value = sum(1 for _ in range(int(mean * 3)) if rng.random() < 1 / 3)
        if detector.step(moment, value).alert:
            raised.append(moment)
        if moment.hour == 12 and moment.minute < 5:
            dispersions[i // 288] = detector.state["base"]["phiw"][-1]
    return raised, dispersions


ONLINE_ONLY = replace(VOLUME_SETTINGS, reestimated_window_hours=0.0)


def test_the_long_window_dispersion_is_estimated_again_once_a_week_is_learnt() -> None:
    # Learnt online during the first week, the 12-hour dispersion holds the weekends the model did not know yet
    # (the counts themselves are binomial: their 12-hour sums barely vary).
    detector = SeriesDetector.for_interval(300)
    raised, dispersions = weekly_series(detector, 1, 10)
    assert raised == []
    assert all(phi is not None and phi > 0.12 for day, phi in dispersions.items() if 2 <= day <= 6)
    # From the week's own counts around its typical day, robust to the weekend: the model's floor.
    assert all(phi is not None and phi <= 0.06 for day, phi in dispersions.items() if day >= 7)
    assert detector.state["base"]["wk"] is None  # the first week's hourly counts are forgotten
    # Without the re-estimation it takes weeks to forget the first one; nothing is kept for it.
    online = SeriesDetector.for_interval(300, ONLINE_ONLY)
    assert all(phi is not None and phi > 0.09 for day, phi in weekly_series(online, 1, 10)[1].items() if day >= 2)
    assert "wk" not in online.state["base"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_rise_on_the_second_monday_raises_within_hours(seed: int) -> None:
    monday_noon = datetime(2015, 3, 9, 12, 0, 53, tzinfo=UTC)  # the series began on a Thursday evening
    rise = (monday_noon, 144, 2.5)
    raised = weekly_series(SeriesDetector.for_interval(300), seed, 12, rise)[0]
    assert raised and monday_noon <= raised[0] <= monday_noon + timedelta(hours=6)
    # With the first week's dispersion, the 12-hour window raises hours later if at all.
    late = weekly_series(SeriesDetector.for_interval(300, ONLINE_ONLY), seed, 12, rise)[0]
    assert not late or late[0] > monday_noon + timedelta(hours=9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ordinary_weeks_with_weekends_raise_nothing(seed: int) -> None:
    assert weekly_series(SeriesDetector.for_interval(300), seed, 21)[0] == []


def test_hours_not_learnt_are_left_out_of_the_first_week() -> None:
    settings = VOLUME_SETTINGS
    base = baseline.new_baseline(0.0, 3, first_week=True)
    start = 1_425_000_000 // 3600 * 3600 + 1800  # half past an hour: that first hour is seen only in part
    for bucket in range(7 * 288 + 6):
        moment = start + bucket * 300
        hour = (moment // 3600) % 24
        # A typical day, an incident's 3 hours on day 2 (not learnt) and a burst on day 3 (an hour at 10x).
        count = (24 + hour) * (10 if bucket // 12 == 3 * 24 + 5 else 1)
        learnt = not 2 * 288 + 6 <= bucket < 2 * 288 + 42
        completed = baseline.record_first_week(base, moment, count if learnt else None, settings)
        assert completed == ((moment + 300) % 3600 == 0)
    week = base["wk"]
    assert len(week) == 169 and week[-1] == 12 * (24 + hour)
    assert week[0] == -1.0  # the first hour, seen in part
    assert week.count(-1.0) == 4  # and the incident's three hours
    assert settings.reestimated_windows == {2: 12}
    baseline.reestimate_window_dispersions(base, LocalCalendar("UTC"), settings.reestimated_windows, settings)
    # Every complete 12-hour sum but those holding the burst is exactly typical: the floor, not the burst.
    assert base["phiw"] == [None, None, settings.min_dispersion]
    assert base["wk"] is None
    assert not baseline.record_first_week(base, start + 7 * 86400, 1.0, settings)


def daily_bursts(detector: SeriesDetector, sizes: list[float]) -> list[int]:
    """Days on which ``detector`` alerts on a steady series of about 20 counts per 5 minutes that has a burst of
    ``sizes[k]`` times its level (two rows at 15:00 UTC) on day 3 + k."""
    rng = random.Random(11)
    first = START.replace(hour=0, minute=0, second=0) + timedelta(days=1)
    days = []
    for i in range((3 + len(sizes) + 1) * 288):
        moment = first + timedelta(minutes=5 * i)
        day, row = divmod(i, 288)
        if 3 <= day < 3 + len(sizes) and row in (180, 181):  # 15:00 and 15:05
            value = round(20 * sizes[day - 3])
        else:
            value = sum(1 for _ in range(60) if rng.random() < 1 / 3)
        if detector.step(moment, value).alert:
            days.append(day)
    return days


def test_a_burst_no_larger_than_one_of_the_last_two_weeks_raises_nothing() -> None:
    # About the same burst every afternoon (a daily show): only its first occurrence raises, and then one larger
    # than every earlier one.
    sizes = [15.0, 14.0, 12.0, 14.5, 30.0, 14.0]
    assert daily_bursts(SeriesDetector.for_interval(300), sizes) == [3, 7]
    # Without the check every one of them raises: the short windows judge each burst against the baseline only,
    # which bursts under an incident do not teach.
    always = replace(VOLUME_SETTINGS, unprecedented_days=0)
    assert daily_bursts(SeriesDetector.for_interval(300, always), sizes) == [3, 4, 5, 6, 7, 8]
    # Only the days kept count (yesterday and today here): 14.5x follows a 12x day.
    one_day = replace(VOLUME_SETTINGS, unprecedented_days=1)
    assert daily_bursts(SeriesDetector.for_interval(300, one_day), sizes) == [3, 6, 7]


def test_the_peaks_kept_are_one_per_short_window_and_day() -> None:
    detector = SeriesDetector.for_interval(300)
    assert VOLUME_SETTINGS.unprecedented_windows == (0, 1)  # 15 minutes and 1 hour, not the 12-hour window
    assert SeriesDetector.for_interval(600).settings.unprecedented_windows == (0, 1)
    assert DetectorSettings().unprecedented_windows == ()  # mention mode: no such check, no such state
    with pytest.raises(ValueError, match="unprecedented_days"):
        DetectorSettings(unprecedented_days=29)
    daily_bursts(detector, [15.0] * 20)
    day, maxima = detector.state["peaks"]
    assert day == (START + timedelta(days=24)).toordinal() - datetime(1970, 1, 1).toordinal()
    assert [len(m) for m in maxima] == [VOLUME_SETTINGS.unprecedented_days + 1] * 2
    assert all(maximum >= 600 for maximum in maxima[0][:-1]) and maxima[1][-1] < 600  # today: no burst yet


def test_intervals_without_a_row_are_missing_data_not_zero_counts() -> None:
    # An ordinary series whose rows come only one interval in three for days (a gappy sensor, an irregular feed):
    # the absent intervals teach the baseline nothing, so the rows that do come are not read as a tripling.
    rng = random.Random(5)
    detector = SeriesDetector.for_interval(300)
    raised = []
    for i in range(6 * 288):
        if i >= 2 * 288 and i % 3:
            continue
        value = sum(1 for _ in range(150) if rng.random() < 1 / 3)
        if detector.step(START + timedelta(minutes=5 * i), value).alert:
            raised.append(i)
    assert raised == []
    assert detector.state["base"]["level"] > 40  # about 50 a row, not a third of it
