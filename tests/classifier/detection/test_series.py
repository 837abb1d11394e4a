"""Volume mode (``SeriesDetector``): the short windows catch sudden surges, the 12-hour window sustained rises."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from vigie.classifier.detection import ring as rg
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
        observed = rg.window(state["ring"], current, width)[0]
        expected = rg.expected_window(state["ring"], current, width)
        assert observed > 1.2 * expected  # the 12-hour sum holds the surge either way
        long_window = Evaluation(observed, expected, 5.0, observed, observed, 1.0, 1.0, 0.0, 3.0, width)
        inner = detector._detector  # the detector the command runs
        assert inner.ongoing(state, long_window) is ongoing
        # A window no longer than the check decides on what it holds.
        assert inner.ongoing(state, replace(long_window, width=12))
