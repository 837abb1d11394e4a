"""``vigie detect-series``: the CSV contract, through the real command."""

from __future__ import annotations

import csv
import io
import math
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vigie.classifier.detection.series import SeriesDetector

VIGIE = str(Path(sys.executable).with_name("vigie"))


def series(days: int = 4, spike_at: int | None = None, seed: int = 3) -> list[tuple[str, int]]:
    """A seasonal count series every 5 minutes (NAB timestamps), with an optional 2-hour surge."""
    rng = random.Random(seed)
    start = datetime(2015, 2, 26, 21, 42, 53)
    rows = []
    for i in range(days * 288):
        hour = ((start + timedelta(minutes=5 * i)).hour + 0.5) % 24
        mean = 20.0 * (1.0 + 0.6 * math.sin(2 * math.pi * (hour - 9) / 24))
        if spike_at is not None and spike_at <= i < spike_at + 24:
            mean *= 15
        value = sum(1 for _ in range(int(mean * 3)) if rng.random() < 1 / 3)  # binomial ~ mean
        rows.append(((start + timedelta(minutes=5 * i)).strftime("%Y-%m-%d %H:%M:%S"), value))
    return rows


def to_csv(rows: list[tuple[str, int]]) -> str:
    return "timestamp,value\n" + "".join(f"{t},{v}\n" for t, v in rows)


def detect(text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VIGIE, "detect-series", *args], input=text, capture_output=True, text=True, timeout=60)


def test_alert_is_one_exactly_on_raise_or_escalate_rows(tmp_path: Path) -> None:
    rows = series(days=5, spike_at=4 * 288 + 100)
    path = tmp_path / "series.csv"
    path.write_text(to_csv(rows))
    result = detect("", str(path))
    assert result.returncode == 0, result.stderr
    out = list(csv.reader(io.StringIO(result.stdout)))
    assert out[0] == ["timestamp", "value", "anomaly_score", "alert"]
    assert [(r[0], int(r[1])) for r in out[1:]] == rows
    assert all(0.0 <= float(r[2]) <= 1.0 and r[3] in ("0", "1") for r in out[1:])
    # The same surge detector, in process, says which rows raise or escalate: those alert; any other alert is a
    # count never seen before (the novelty test of count series: beyond the range of every earlier row).
    detector = SeriesDetector.for_interval(300)
    surge = []
    for stamp, value in rows:
        step = detector.step(datetime.fromisoformat(stamp).replace(tzinfo=UTC), value)
        surge.append(bool({"raised", "escalated"} & set(step.transitions)))
    alerts = [i for i, r in enumerate(out[1:]) if r[3] == "1"]
    assert set(alerts) >= {i for i, flag in enumerate(surge) if flag}
    values = [value for _, value in rows]
    for i in (i for i in alerts if not surge[i]):
        assert values[i] > max(values[:i]) or values[i] < min(values[:i])
    during = [i for i in alerts if i >= 4 * 288 + 100]
    assert during and during[0] < 4 * 288 + 106
    assert all(i < 4 * 288 + 124 for i in during)


def test_a_quiet_series_raises_nothing_and_reads_stdin() -> None:
    result = detect(to_csv(series(seed=8)))
    assert result.returncode == 0, result.stderr
    assert {line.rsplit(",", 1)[1] for line in result.stdout.splitlines()[1:]} == {"0"}


def test_bad_input_is_reported_with_its_line() -> None:
    result = detect("timestamp,value\n2015-02-26 21:42:53,4\nyesterday,5\n")
    assert result.returncode == 2
    assert "line 3" in result.stderr
    assert detect("when,count\n").returncode == 2


def test_a_real_valued_series_with_negative_values_is_read_and_its_drop_alerts() -> None:
    rng = random.Random(5)
    start = datetime(2014, 4, 1)
    rows = []
    for i in range(4 * 288):
        value = -10.0 + 5.0 * math.sin(2 * math.pi * i / 288) + rng.gauss(0.0, 1.0)
        if 3 * 288 <= i < 3 * 288 + 3:
            value -= 60.0
        rows.append(((start + timedelta(minutes=5 * i)).strftime("%Y-%m-%d %H:%M:%S"), f"{value:.3f}"))
    result = detect("timestamp,value\n" + "".join(f"{t},{v}\n" for t, v in rows))
    assert result.returncode == 0, result.stderr
    out = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert [(r[0], r[1]) for r in out] == rows
    assert [i for i, r in enumerate(out) if r[3] == "1"] == [3 * 288]


def test_a_value_that_is_not_finite_is_refused_with_its_line() -> None:
    result = detect("timestamp,value\n2015-02-26 21:42:53,4\n2015-02-26 21:47:53,nan\n")
    assert result.returncode == 2
    assert "line 3" in result.stderr
