"""NAB score of ``vigie detect-series`` on the realTweets dev series (our own implementation of NAB scoring).

Usage: ``.venv/bin/python benchmarks/detection_nab.py [DATA_DIR]`` (default ``../shared/data/nab-dev``).

Scoring rules (Numenta Anomaly Benchmark, ``nab/sweeper.py``, ``nab/scorer.py``, ``config/profiles.json``):

* the first ``min(floor(0.15 N), 750)`` rows of a series are probation: detections there are ignored;
* a detection at row ``i`` inside a window ``[l, r]`` of width ``w`` rows scores
  ``A_TP * sigma(-(r - i + 1) / w) / sigma(-1)``, with ``sigma(y) = 2 / (1 + exp(5 y)) - 1`` (so +1 at the
  window start, about 0 at its end); only the earliest detection of a window counts;
* a window without a detection costs ``-A_FN``;
* a detection outside every window costs ``A_FP * sigma(|i - r_prev| / (w_prev - 1))`` after a window
  (``sigma`` of a relative distance above 3 counts as -1), and ``-A_FP`` before the first window;
* profiles ``(A_TP, A_FP, A_FN)``: standard (1, 0.11, 1), reward_low_FP_rate (1, 0.22, 1),
  reward_low_FN_rate (1, 0.11, 2);
* normalised score = ``100 (S - S_null) / (S_perfect - S_null)`` over the whole corpus, with
  ``S_null = -A_FN x windows`` and ``S_perfect = A_TP x windows``.

Detections are the rows where ``vigie detect-series`` writes ``alert = 1`` (the same code path as the command).
"""

from __future__ import annotations

import io
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vigie.classifier.commands.detect_series import detect, read_series

PROFILES: dict[str, tuple[float, float, float]] = {
    "standard": (1.0, 0.11, 1.0),
    "reward_low_FP_rate": (1.0, 0.22, 1.0),
    "reward_low_FN_rate": (1.0, 0.11, 2.0),
}
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nab-dev"


def scaled_sigmoid(relative_position: float) -> float:
    """NAB's sigma: 2 / (1 + e^(5y)) - 1, and -1 beyond three window widths after a window."""
    if relative_position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * relative_position)) - 1.0


@dataclass(frozen=True)
class SeriesScore:
    """Raw score of one series under one profile, and its null and perfect references."""

    score: float
    null: float
    perfect: float
    true_positives: int
    false_positives: int
    missed: int


def score_series(
    detections: Sequence[bool], windows: Sequence[tuple[int, int]], profile: tuple[float, float, float]
) -> SeriesScore:
    """Score one series: ``detections`` per row, ``windows`` as inclusive row index ranges (sorted)."""
    a_tp, a_fp, a_fn = profile
    probation = min(math.floor(0.15 * len(detections)), 750)
    detected = [False] * len(windows)
    total = 0.0
    true_positives = false_positives = 0
    for index, flag in enumerate(detections):
        if not flag or index < probation:
            continue
        inside = next((k for k, (left, right) in enumerate(windows) if left <= index <= right), None)
        if inside is not None:
            if not detected[inside]:
                left, right = windows[inside]
                width = right - left + 1
                total += a_tp * scaled_sigmoid(-(right - index + 1) / width) / scaled_sigmoid(-1.0)
                detected[inside] = True
                true_positives += 1
            continue
        previous = [k for k, (_, right) in enumerate(windows) if right < index]
        if previous:
            left, right = windows[previous[-1]]
            width = right - left + 1
            total += a_fp * scaled_sigmoid(abs(index - right) / max(width - 1, 1))
        else:
            total -= a_fp
        false_positives += 1
    missed = detected.count(False)
    total -= a_fn * missed
    return SeriesScore(total, -a_fn * len(windows), a_tp * len(windows), true_positives, false_positives, missed)


def normalised(scores: Sequence[SeriesScore]) -> float:
    raw = sum(s.score for s in scores)
    null = sum(s.null for s in scores)
    perfect = sum(s.perfect for s in scores)
    return 100.0 * (raw - null) / (perfect - null)


def window_rows(timestamps: Sequence[datetime], windows: Sequence[Sequence[str]]) -> list[tuple[int, int]]:
    """Windows (timestamp pairs) as inclusive row index ranges."""
    rows = []
    for start_text, end_text in windows:
        start = datetime.fromisoformat(start_text)
        end = datetime.fromisoformat(end_text)
        inside = [i for i, moment in enumerate(timestamps) if start <= moment <= end]
        if inside:
            rows.append((inside[0], inside[-1]))
    return sorted(rows)


def run_series(path: Path) -> tuple[list[datetime], list[bool], float]:
    """Detections of ``vigie detect-series`` on one file, and the seconds it took."""
    began = time.perf_counter()
    out = io.StringIO()
    with path.open(encoding="utf-8", newline="") as stream:
        detect(read_series(stream), out)
    elapsed = time.perf_counter() - began
    lines = out.getvalue().splitlines()[1:]
    timestamps = [datetime.fromisoformat(line.split(",")[0]) for line in lines]
    detections = [line.rsplit(",", 1)[1] == "1" for line in lines]
    return timestamps, detections, elapsed


def main(argv: Sequence[str]) -> int:
    data = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA
    labels: dict[str, list[list[str]]] = json.loads((data / "windows.json").read_text())
    per_profile: dict[str, list[SeriesScore]] = {name: [] for name in PROFILES}
    print(f"NAB scoring of vigie detect-series on {data}")
    rows_total = 0
    seconds_total = 0.0
    for name in sorted(labels):
        timestamps, detections, elapsed = run_series(data / name)
        rows_total += len(detections)
        seconds_total += elapsed
        windows = window_rows(timestamps, labels[name])
        scores = {profile: score_series(detections, windows, weights) for profile, weights in PROFILES.items()}
        for profile, score in scores.items():
            per_profile[profile].append(score)
        standard = scores["standard"]
        print(
            f"  {name}: {len(detections)} rows in {elapsed:.2f} s, {sum(detections)} alerts, "
            f"windows {len(windows)}: detected {standard.true_positives}, missed {standard.missed}, "
            f"false positives {standard.false_positives}, raw standard score {standard.score:+.3f}"
        )
    print(f"speed: {rows_total / seconds_total:,.0f} rows/s ({seconds_total:.2f} s for {rows_total} rows)")
    for profile in PROFILES:
        print(f"{profile:>20}: {normalised(per_profile[profile]):6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
