"""Our implementation of NAB scoring (benchmarks/detection_nab.py) on hand-made cases."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

STANDARD = (1.0, 0.11, 1.0)
LOW_FP = (1.0, 0.22, 1.0)
LOW_FN = (1.0, 0.11, 2.0)


@pytest.fixture(scope="module")
def nab() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "detection_nab.py"
    spec = importlib.util.spec_from_file_location("detection_nab", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["detection_nab"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def flags(n: int, *rows: int) -> list[bool]:
    marks = [False] * n
    for row in rows:
        marks[row] = True
    return marks


N = 10_000  # probation: 750 rows
WINDOW = (2_000, 2_099)


def test_a_detection_at_the_window_start_scores_one(nab: ModuleType) -> None:
    score = nab.score_series(flags(N, WINDOW[0]), [WINDOW], STANDARD)
    assert score.score == pytest.approx(1.0)
    assert (score.true_positives, score.false_positives, score.missed) == (1, 0, 0)


def test_later_detections_score_less_and_only_the_first_counts(nab: ModuleType) -> None:
    middle = nab.score_series(flags(N, 2_050), [WINDOW], STANDARD).score
    end = nab.score_series(flags(N, WINDOW[1]), [WINDOW], STANDARD).score
    assert 1.0 > middle > end > 0.0
    assert middle == pytest.approx((2 / (1 + math.exp(-2.5)) - 1) / (2 / (1 + math.exp(-5)) - 1))
    both = nab.score_series(flags(N, 2_050, 2_060), [WINDOW], STANDARD)
    assert both.score == pytest.approx(middle) and both.false_positives == 0


def test_a_miss_costs_a_fn(nab: ModuleType) -> None:
    assert nab.score_series(flags(N), [WINDOW], STANDARD).score == pytest.approx(-1.0)
    assert nab.score_series(flags(N), [WINDOW], LOW_FN).score == pytest.approx(-2.0)


def test_false_positive_costs(nab: ModuleType) -> None:
    before = nab.score_series(flags(N, 1_000, WINDOW[0]), [WINDOW], STANDARD)
    assert before.score == pytest.approx(1.0 - 0.11)
    assert nab.score_series(flags(N, 1_000, WINDOW[0]), [WINDOW], LOW_FP).score == pytest.approx(1.0 - 0.22)
    just_after = nab.score_series(flags(N, WINDOW[0], WINDOW[1] + 1), [WINDOW], STANDARD).score
    far_after = nab.score_series(flags(N, WINDOW[0], 9_000), [WINDOW], STANDARD).score
    assert 1.0 - 0.11 < far_after + 1e-9 < just_after < 1.0
    assert far_after == pytest.approx(1.0 - 0.11)


def test_probation_rows_are_ignored(nab: ModuleType) -> None:
    assert nab.score_series(flags(N, 10, 749, WINDOW[0]), [WINDOW], STANDARD).score == pytest.approx(1.0)
    assert nab.score_series(flags(N, 750, WINDOW[0]), [WINDOW], STANDARD).score == pytest.approx(0.89)


def test_normalisation(nab: ModuleType) -> None:
    perfect = nab.score_series(flags(N, WINDOW[0]), [WINDOW], STANDARD)
    null = nab.score_series(flags(N), [WINDOW], STANDARD)
    assert nab.normalised([perfect]) == pytest.approx(100.0)
    assert nab.normalised([null]) == pytest.approx(0.0)
    assert nab.normalised([perfect, null]) == pytest.approx(50.0)
