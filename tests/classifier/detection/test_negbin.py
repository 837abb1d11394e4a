"""The tail probabilities against direct sums of the probability mass functions."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vigie.classifier.detection.negbin import MAX_SCORE, _beta_continued_fraction, negative_binomial_score, share_score


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


def plain_continued_fraction(a: float, b: float, x: float) -> float:
    """Lentz's continued fraction as first written (``abs`` tests): the oracle of the faster loop."""
    tiny, epsilon = 1e-300, 1e-12
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < tiny:
        d = tiny
    d = 1.0 / d
    h = d
    for m in range(1, 301):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < epsilon:
            break
    return h


@given(
    st.floats(min_value=1e-3, max_value=5000.0),
    st.floats(min_value=1e-3, max_value=1e4),
    st.floats(min_value=0.0, max_value=1.0),
)
@example(1.0, 1.0, 0.5)  # d = 0 at the start: the tiny substitute
@example(3.0, 1e4, 0.9999)
def test_continued_fraction_is_the_plain_loop_bit_for_bit(a: float, b: float, x: float) -> None:
    fast = _beta_continued_fraction(a, b, x)
    plain = plain_continued_fraction(a, b, x)
    assert fast == plain or (math.isnan(fast) and math.isnan(plain))
