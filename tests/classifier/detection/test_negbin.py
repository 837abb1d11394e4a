"""The tail probabilities against direct sums of the probability mass functions."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vigie.classifier.detection.negbin import MAX_SCORE, negative_binomial_score, share_score


def nb_tail(k: int, mean: float, dispersion: float) -> float:
    """P(X >= k) summed directly over the upper tail (no cancellation)."""
    size = 1.0 / dispersion
    p = size / (size + mean)
    return math.fsum(
        math.exp(
            math.lgamma(j + size) - math.lgamma(size) - math.lgamma(j + 1) + size * math.log(p) + j * math.log1p(-p)
        )
        for j in range(k, k + 8000)
    )


@given(
    st.integers(min_value=1, max_value=60),
    st.floats(min_value=0.2, max_value=30.0),
    st.floats(min_value=0.02, max_value=2.0),
)
@example(22, 3.0, 0.03125)  # a tail of 1e-10
def test_negative_binomial_tail_matches_the_pmf(k: int, mean: float, dispersion: float) -> None:
    tail = nb_tail(k, mean, dispersion)
    if k <= mean or tail < 1e-90:
        return
    assert negative_binomial_score(k, mean, dispersion) == pytest.approx(-math.log10(tail), rel=1e-6, abs=1e-6)


def test_overdispersion_makes_a_surge_less_surprising() -> None:
    poisson_like = negative_binomial_score(30, 10, 1e-4)
    overdispersed = negative_binomial_score(30, 10, 0.3)
    assert poisson_like > overdispersed > 0
    assert negative_binomial_score(8, 10, 0.3) == 0.0
    assert negative_binomial_score(10**6, 1.0, 0.1) == MAX_SCORE


def test_share_score_is_the_binomial_tail_without_design_effect() -> None:
    n, p0, k = 40, 0.2, 17
    tail = sum(math.comb(n, j) * p0**j * (1 - p0) ** (n - j) for j in range(k, n + 1))
    assert share_score(k, n, p0, 0.0) == pytest.approx(-math.log10(tail), rel=1e-9)
    assert share_score(k, n, p0, 0.05) < share_score(k, n, p0, 0.0)
    assert share_score(8, 40, 0.2, 0.0) == 0.0
