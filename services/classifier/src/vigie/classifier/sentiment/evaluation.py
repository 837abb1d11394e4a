"""Macro-averaged quality figures for three-class sentiment (0 negative, 1 neutral, 2 positive)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Labels = npt.NDArray[np.int64]


def confusion(gold: Labels, predicted: Labels, classes: int = 3) -> npt.NDArray[np.int64]:
    """Rows gold, columns predicted."""
    matrix = np.bincount(gold * classes + predicted, minlength=classes * classes)
    return matrix.reshape(classes, classes).astype(np.int64)


def macro_recall(gold: Labels, predicted: Labels) -> float:
    """Mean per-class recall (TweetEval's sentiment metric)."""
    matrix = confusion(gold, predicted)
    support = matrix.sum(axis=1)
    recall = np.divide(np.diag(matrix), support, out=np.zeros(3), where=support > 0)
    return float(recall.mean())


def macro_f1(gold: Labels, predicted: Labels) -> float:
    """Mean per-class F1 (UMSAB's metric)."""
    matrix = confusion(gold, predicted).astype(np.float64)
    true_positive = np.diag(matrix)
    precision = np.divide(true_positive, matrix.sum(axis=0), out=np.zeros(3), where=matrix.sum(axis=0) > 0)
    recall = np.divide(true_positive, matrix.sum(axis=1), out=np.zeros(3), where=matrix.sum(axis=1) > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros(3), where=denominator > 0)
    return float(f1.mean())
