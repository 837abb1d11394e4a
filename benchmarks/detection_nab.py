"""NAB score of ``vigie detect-series`` over the whole NAB corpus we have (our own implementation of NAB scoring).

Usage: ``.venv/bin/python benchmarks/detection_nab.py [DATA_DIR] [--grid] [-v]`` (default
``../shared/data/nab-full``: 53 of NAB's 58 series, every category; ``nab-dev`` is its realTweets subset).

Prints the normalised scores of the whole corpus, of the realTweets category on its own and of each category.
``--grid`` also scores the candidate settings of :data:`CANDIDATES` and a **leave-one-series-out** figure: for
each series, the candidate with the best normalised score on the *other* series is chosen (per profile) and only
the held-out series is scored with it; the held-out scores are summed like any corpus. The same is printed
**leave-one-category-out** (the candidate best on the other categories scores a whole held-out category). A setting is worth keeping
only if it wins across the corpus, and the leave-one-out figure says what choosing it is worth on unseen series.

A series that ``vigie detect-series`` rejects (one NAB series has negative values: the command reads counts)
is scored as a detector that never alerts (every window missed), and reported.

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

import argparse
import io
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from vigie.classifier.commands.detect_series import detect, read_series
from vigie.classifier.detection import InvalidSeriesError
from vigie.classifier.detection.series import REAL_VALUED_SETTINGS, VolumeModeSettings

PROFILES: dict[str, tuple[float, float, float]] = {
    "standard": (1.0, 0.11, 1.0),
    "reward_low_FP_rate": (1.0, 0.22, 1.0),
    "reward_low_FN_rate": (1.0, 0.11, 2.0),
}
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nab-full"
DEFAULT = VolumeModeSettings()


def _real(**changes: float | int) -> VolumeModeSettings:
    return replace(DEFAULT, real=replace(REAL_VALUED_SETTINGS, **changes))  # type: ignore[arg-type]


#: Candidate volume-mode settings compared by ``--grid`` (the first is the shipped default). Count series keep the
#: surge detector's settings (chosen on realTweets, which every candidate leaves unchanged); the candidates vary the
#: real-valued detector and the count test.
CANDIDATES: dict[str, VolumeModeSettings] = {
    "default": DEFAULT,
    "counts: no novelty": replace(DEFAULT, count_novelty=False),
    "counts: novelty from 2 spreads": replace(DEFAULT, count_novelty_min_z=2.0),
}


def _grid() -> None:
    """One setting at a time around the default (a full product would take an hour)."""
    base = REAL_VALUED_SETTINGS
    values: dict[str, tuple[float, ...]] = {
        "record_days": (2.0, 8.0),
        "record_factor": (0.0, 1.3, 2.0),
        "novelty_margin": (0.05, math.inf),
        "novelty_min_z": (0.0, 3.0),
        "refractory_rows": (36, 144),
        "spike_z": (8.0,),
        "seasonal_z": (6.0,),
    }
    for name, options in values.items():
        for option in options:
            if getattr(base, name) != option:
                CANDIDATES[f"{name} {option:g}"] = _real(**{name: option})


_grid()


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


#: Outputs of series decided to be counts, by (file, count settings, count test, the real-valued settings the
#: novelty test of counts reads): a candidate that changes only the other real-valued settings cannot change them,
#: so the grid runs the surge detector once per series and novelty setting.
_COUNT_RUNS: dict[tuple[Path, object, bool, bool, object], tuple[list[datetime], list[bool], float]] = {}


def _novelty_of_counts(settings: VolumeModeSettings) -> object:
    """The part of the settings the count series' novelty alerts depend on (None without them)."""
    if not settings.count_novelty:
        return None
    return settings.count_novelty_min_z, replace(
        settings.real, record_days=0.0, record_factor=0.0, record_gap_rows=0, spike_z=0.0, shift_z=0.0, seasonal_z=0.0
    )


def run_series(path: Path, settings: VolumeModeSettings | None = None) -> tuple[list[datetime], list[bool], float]:
    """Detections of ``vigie detect-series`` on one file, and the seconds it took (no detection at all, on
    the series' own timestamps, when the command rejects the series)."""
    settings = settings or DEFAULT
    key = (path, settings.count, settings.counts_overdispersed, settings.counts_on_grid, _novelty_of_counts(settings))
    if key in _COUNT_RUNS:
        return _COUNT_RUNS[key]
    began = time.perf_counter()
    out = io.StringIO()
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            _, kind = detect(read_series(stream), out, settings)
    except InvalidSeriesError as error:
        print(f"  {path.name}: rejected by detect-series ({error}): scored as never alerting")
        with path.open(encoding="utf-8") as stream:
            stamps = [datetime.fromisoformat(line.split(",")[0]) for line in stream.read().splitlines()[1:] if line]
        return stamps, [False] * len(stamps), time.perf_counter() - began
    elapsed = time.perf_counter() - began
    lines = out.getvalue().splitlines()[1:]
    timestamps = [datetime.fromisoformat(line.split(",")[0]) for line in lines]
    detections = [line.rsplit(",", 1)[1] == "1" for line in lines]
    if kind == "count":
        _COUNT_RUNS[key] = (timestamps, detections, elapsed)
    return timestamps, detections, elapsed


Scores = dict[str, dict[str, SeriesScore]]  # series -> profile -> score


def score_corpus(data: Path, labels: dict[str, list[list[str]]], settings: VolumeModeSettings, verbose: bool) -> Scores:
    """Every labelled series scored under every profile."""
    scores: Scores = {}
    rows_total = 0
    seconds_total = 0.0
    for name in sorted(labels):
        timestamps, detections, elapsed = run_series(data / name, settings)
        rows_total += len(detections)
        seconds_total += elapsed
        windows = window_rows(timestamps, labels[name])
        scores[name] = {profile: score_series(detections, windows, weights) for profile, weights in PROFILES.items()}
        standard = scores[name]["standard"]
        if verbose:
            print(
                f"  {name}: {len(detections)} rows in {elapsed:.2f} s, {sum(detections)} alerts, "
                f"windows {len(windows)}: detected {standard.true_positives}, missed {standard.missed}, "
                f"false positives {standard.false_positives}, raw standard score {standard.score:+.3f}"
            )
    print(f"  speed: {rows_total / max(seconds_total, 1e-9):,.0f} rows/s ({seconds_total:.1f} s for {rows_total} rows)")
    return scores


def summary(scores: Scores, names: Sequence[str]) -> str:
    return " / ".join(f"{normalised([scores[n][p] for n in names]):5.1f}" for p in PROFILES)


def leave_one_out(
    grid: dict[str, Scores], profile: str, group: Callable[[str], str] = lambda name: name
) -> tuple[dict[str, SeriesScore], dict[str, int]]:
    """Each series' score with the candidate whose normalised score is best on all the series of the *other*
    groups (by default each series is its own group: leave-one-series-out; ``category_of`` gives
    leave-one-category-out); and how often each candidate was chosen (per group)."""
    names = sorted(next(iter(grid.values())))
    held_out: dict[str, SeriesScore] = {}
    chosen: dict[str, int] = {}
    for held in sorted({group(n) for n in names}):
        others = [n for n in names if group(n) != held]
        best = max(grid, key=lambda c: normalised([grid[c][n][profile] for n in others]))
        chosen[best] = chosen.get(best, 0) + 1
        for name in (n for n in names if group(n) == held):
            held_out[name] = grid[best][name][profile]
    return held_out, chosen


def category_of(name: str) -> str:
    return name.split("/")[0]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description="NAB score of vigie detect-series")
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--grid", action="store_true", help="score the candidate settings and leave-one-out")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per series")
    args = parser.parse_args(argv[1:])
    labels: dict[str, list[list[str]]] = json.loads((args.data / "windows.json").read_text())
    names = sorted(labels)
    tweets = [n for n in names if n.startswith("realTweets/")]
    categories = sorted({n.split("/")[0] for n in names})
    print(f"NAB scoring of vigie detect-series on {args.data} ({len(names)} series)")
    print(f"profiles: {' / '.join(PROFILES)}")
    grid: dict[str, Scores] = {}
    for candidate, settings in CANDIDATES.items() if args.grid else [("default", DEFAULT)]:
        print(f"{candidate}:")
        scores = grid[candidate] = score_corpus(args.data, labels, settings, args.verbose)
        print(f"  whole corpus       {summary(scores, names)}")
        if tweets:
            print(f"  realTweets         {summary(scores, tweets)}")
        for category in (c for c in categories if c != "realTweets"):
            members = [n for n in names if n.startswith(category + "/")]
            if any(scores[n]["standard"].perfect for n in members):
                print(f"  {category:<18} {summary(scores, members)}")
    if args.grid:
        groups: tuple[tuple[str, Callable[[str], str]], ...] = (
            ("series", lambda name: name),
            ("category", category_of),
        )
        for title, group in groups:
            print(f"leave-one-{title}-out (the candidate best on the other {title} scores the held-out one):")
            for profile in PROFILES:
                held_out, chosen = leave_one_out(grid, profile, group)
                figure = normalised(list(held_out.values()))
                tweet_figure = normalised([held_out[n] for n in tweets]) if tweets else math.nan
                print(f"  {profile:>20}: whole corpus {figure:5.1f}, realTweets {tweet_figure:5.1f}  chosen {chosen}")
            held_out, _ = leave_one_out(grid, "standard", group)
            per_category = ", ".join(
                f"{c} {normalised([held_out[n] for n in names if category_of(n) == c]):.1f}"
                for c in categories
                if any(held_out[n].perfect for n in names if category_of(n) == c)
            )
            print(f"  standard per category: {per_category}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
