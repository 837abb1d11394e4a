"""Volume mode on real-valued series: the two-sided level-shift detector; count series keep today's output."""

from __future__ import annotations

import hashlib
import io
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vigie.classifier.commands.detect_series import detect, read_series
from vigie.classifier.detection.level_shift import LevelShiftDetector, LevelShiftSettings
from vigie.classifier.detection.series import VolumeModeDetector, VolumeModeSettings

START = datetime(2014, 4, 1, tzinfo=UTC)
EVENT_AT = 3 * 288 + 50
NAB_TWEETS = Path(__file__).resolve().parents[4] / "shared" / "data" / "nab-full" / "realTweets"


def cpu_like(seed: int, event: str | None, days: int = 5) -> list[float]:
    """A CPU-like percentage around 40 with a daily swing and noise; ``event`` from row ``EVENT_AT``."""
    rng = random.Random(seed)
    values = []
    for i in range(days * 288):
        value = 40.0 + 5.0 * math.sin(2 * math.pi * i / 288) + rng.gauss(0.0, 1.5)
        if event == "spike" and i == EVENT_AT:
            value += 30.0
        elif event == "drop" and EVENT_AT <= i < EVENT_AT + 3:
            value -= 35.0
        elif event == "shift" and i >= EVENT_AT:
            value += 20.0
        values.append(round(value, 3))
    return values


def alert_rows(values: list[float]) -> list[int]:
    detector = VolumeModeDetector(300)
    rows = [i for i, v in enumerate(values) if detector.step(START + timedelta(minutes=5 * i), v).alert]
    assert detector.kind == "real"
    return rows


@pytest.mark.parametrize("event", ["spike", "drop", "shift"])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_spike_a_drop_or_a_level_shift_is_detected_once_and_early(event: str, seed: int) -> None:
    rows = alert_rows(cpu_like(seed, event))
    assert rows and EVENT_AT <= rows[0] <= EVENT_AT + 12
    assert all(row >= EVENT_AT for row in rows)
    assert len([row for row in rows if row < EVENT_AT + 288]) == 1  # one alert per anomaly (refractory)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ordinary_days_of_a_real_valued_series_raise_nothing_but_an_all_time_record(seed: int) -> None:
    values = cpu_like(seed, None)
    rows = alert_rows(values)
    # The spike, shift and seasonal tests raise nothing; the novelty test may raise on a new all-time high or low
    # (beyond the range of every earlier row by 2 % of it): two of three seeds have one or two such records.
    for row in rows:
        earlier = values[:row]
        span = max(earlier) - min(earlier)
        assert values[row] > max(earlier) + 0.02 * span or values[row] < min(earlier) - 0.02 * span
    no_novelty = LevelShiftDetector(LevelShiftSettings(novelty_margin=math.inf), rows_per_day=288)
    assert not any(no_novelty.step(v)[1] for v in values)


def test_negative_values_make_a_real_valued_series_and_a_drop_below_zero_is_detected() -> None:
    values = [v - 45.0 for v in cpu_like(4, "drop")]
    assert min(values) < -30
    assert alert_rows(values)[0] == EVENT_AT


def test_the_anomaly_score_is_one_half_at_the_raise_threshold() -> None:
    settings = LevelShiftSettings(warmup_rows=10, spread_rows=10, level_rows=10, spike_z=8.0, shift_z=4.0)
    detector = LevelShiftDetector(settings, rows_per_day=288)
    for i in range(40):
        detector.step(10.0 + (1.0 if i % 2 else -1.0))  # level 10, mean absolute deviation 1
    level, spread = detector.state.level, detector.state.spread
    assert spread == pytest.approx(1.0, rel=0.1)
    ratio, alert = detector.step(level + 8.01 * spread)  # the spike test's threshold is 8 spreads
    assert alert and ratio == pytest.approx(1.0, rel=0.01)
    assert ratio / (ratio + 1.0) == pytest.approx(0.5, rel=0.01)


def count_series_csv() -> str:
    """A seeded daily-rhythm count series of about 12 per 5 minutes with a x6 surge on day 5."""
    rng = random.Random(15)
    start = datetime(2015, 3, 2, 0, 0)
    lines = ["timestamp,value"]
    for i in range(5 * 288):
        mean = 12.0 * (1.0 + 0.5 * math.sin(2 * math.pi * i / 288))
        if 4 * 288 <= i < 4 * 288 + 24:
            mean *= 6.0
        value = sum(1 for _ in range(int(mean * 2)) if rng.random() < 0.5)
        lines.append(f"{(start + timedelta(minutes=5 * i)).isoformat(sep=' ')},{value}")
    return "\n".join(lines) + "\n"


def detect_output(text: str, settings: VolumeModeSettings | None = None) -> str:
    out = io.StringIO()
    detect(read_series(io.StringIO(text)), out, settings)
    return out.getvalue()


def output_sha256(text: str, settings: VolumeModeSettings | None = None) -> str:
    return hashlib.sha256(detect_output(text, settings).encode()).hexdigest()


WITHOUT_NOVELTY = VolumeModeSettings(count_novelty=False)


def test_a_count_series_without_count_novelty_gives_exactly_the_surge_detectors_output() -> None:
    # Digest of the output of the count-only volume mode (before real-valued series had their detector).
    sha256 = output_sha256(count_series_csv(), WITHOUT_NOVELTY)
    assert sha256 == "eef63e4f0ab16a44db7d58094709afd62d019ffaf5bddf3515d469cf742c5bd5"


def novelty_only_differences(text: str, surge_output: str | None = None) -> list[int]:
    """Rows where the default output differs from the surge detector's; asserts each is an added novelty alert
    on an unprecedented value."""
    surge_output = surge_output or detect_output(text, WITHOUT_NOVELTY)
    surge = [line.split(",") for line in surge_output.splitlines()[1:]]
    default = [line.split(",") for line in detect_output(text).splitlines()[1:]]
    values = [float(row[1]) for row in surge]
    changed = [i for i, (a, b) in enumerate(zip(surge, default, strict=True)) if a != b]
    for i in changed:
        assert surge[i][3] == "0" and default[i][3] == "1"
        assert values[i] > max(values[:i]) or values[i] < min(values[:i])
    return changed


def test_a_count_series_alerts_as_the_surge_detector_does_plus_unprecedented_values() -> None:
    changed = novelty_only_differences(count_series_csv())
    assert len(changed) <= 1  # the day-5 surge is the series' record: the surge detector's raise or this one


@pytest.mark.skipif(not NAB_TWEETS.is_dir(), reason="NAB data not on this machine")
def test_a_realtweets_series_gives_exactly_todays_output_without_count_novelty() -> None:
    text = (NAB_TWEETS / "Twitter_volume_CRM.csv").read_text(encoding="utf-8")
    surge_output = detect_output(text, WITHOUT_NOVELTY)
    sha256 = hashlib.sha256(surge_output.encode()).hexdigest()
    assert sha256 == "730554f382395c030a4dedec9a6a8c3aacafd863fa58a51d63795ba2228dddd1"
    # New all-time highs the surge detector held back.
    assert 1 <= len(novelty_only_differences(text, surge_output)) <= 3


def test_an_all_time_low_of_a_count_series_alerts() -> None:
    """A count series (a service's requests) that falls far below anything it ever did: the upward surge
    detector cannot see it, the novelty test does."""
    rng = random.Random(11)
    detector = VolumeModeDetector(300)
    alerts = []
    for i in range(6 * 288):
        mean = 200.0 * (1.0 + 0.3 * math.sin(2 * math.pi * i / 288))
        if i >= 5 * 288:
            mean = 3.0
        value = float(max(0, round(rng.gauss(mean, 2.0 * math.sqrt(mean)))))
        if detector.step(START + timedelta(minutes=5 * i), value).alert:
            alerts.append(i)
    assert detector.kind == "count"
    assert 5 * 288 in alerts  # at once (earlier alerts, if any, are all-time highs of the noise)


def test_a_fractional_row_turns_a_count_series_real_valued_for_good() -> None:
    detector = VolumeModeDetector(300)
    for i in range(10):
        detector.step(START + timedelta(minutes=5 * i), 3.0)
    assert detector.kind is None
    detector.step(START + timedelta(minutes=50), 2.5)
    assert detector.kind == "real"
    detector.step(START + timedelta(minutes=55), 3.0)
    assert detector.kind == "real"


def test_an_underdispersed_integer_series_is_real_valued() -> None:
    detector = VolumeModeDetector(300)
    rng = random.Random(3)
    for i in range(300):  # a speed around 60 written in integers: variance far below the mean
        detector.step(START + timedelta(minutes=5 * i), float(round(rng.gauss(60.0, 2.0))))
    assert detector.kind == "real"


def spiky_cpu(days: int, big_spike_at: int | None = None) -> list[float]:
    """A CPU around 30 whose ordinary life holds a spike to 90 three times a day (a batch job)."""
    rng = random.Random(7)
    values = []
    for i in range(days * 288):
        value = 30.0 + rng.gauss(0.0, 1.0)
        if i % 96 == 40:
            value = 90.0
        if big_spike_at is not None and i == big_spike_at:
            value = 30.0 - 25.0  # a drop far below anything the ordinary spikes taught
        values.append(value)
    return values


def test_spikes_that_are_the_series_ordinary_life_stop_alerting_once_they_are_its_record() -> None:
    detector = LevelShiftDetector(LevelShiftSettings(), rows_per_day=288)
    alerts = [i for i, v in enumerate(spiky_cpu(8)) if detector.step(v)[1]]
    # The first ordinary spikes after the warm-up are news; once a day of them is the record, they are not.
    assert alerts and all(row < 3 * 288 for row in alerts)


def test_without_records_the_same_ordinary_spikes_alert_every_day() -> None:
    detector = LevelShiftDetector(LevelShiftSettings(record_factor=0.0), rows_per_day=288)
    alerts = [i for i, v in enumerate(spiky_cpu(8)) if detector.step(v)[1]]
    assert len([row for row in alerts if row >= 3 * 288]) >= 10


def test_an_unprecedented_drop_alerts_in_a_series_full_of_ordinary_spikes() -> None:
    at = 6 * 288 + 10
    detector = LevelShiftDetector(LevelShiftSettings(), rows_per_day=288)
    alerts = [i for i, v in enumerate(spiky_cpu(8, big_spike_at=at)) if detector.step(v)[1]]
    assert at in alerts


def test_the_records_hold_at_most_the_rows_of_their_window() -> None:
    settings = LevelShiftSettings(record_days=1.0)
    detector = LevelShiftDetector(settings, rows_per_day=24)
    rng = random.Random(5)
    for _ in range(2000):
        detector.step(rng.random())
        assert all(len(queue) <= 24 + 1 for queue in detector.state.records)
        assert len(detector.state.pending) <= settings.record_gap_rows


def test_a_record_is_kept_for_record_days_then_forgotten() -> None:
    settings = LevelShiftSettings(warmup_rows=10, record_days=1.0, record_gap_rows=0, novelty_margin=math.inf)
    detector = LevelShiftDetector(settings, rows_per_day=24)
    for i in range(60):
        detector.step(10.0 + (1.0 if i % 2 else -1.0))
    detector.step(200.0)  # the spike statistic's record
    record = detector.state.records[0][0]
    for i in range(23):
        detector.step(10.0 + (1.0 if i % 2 else -1.0))
        assert detector.state.records[0][0] == record
    for i in range(3):
        detector.step(10.0 + (1.0 if i % 2 else -1.0))
    assert detector.state.records[0][0] != record
