"""Tail probabilities of the overdispersed count models, as significance scores (-log10 p).

Mention counts are overdispersed: their variance grows like ``mu + phi * mu**2`` (a Poisson rate that itself
varies, i.e. a Poisson-gamma mixture = negative binomial). A z-score ignores both the skew of small counts and
the extra variance and floods mention data with false alarms; the negative-binomial upper tail does not.

Both tails are written with the regularised incomplete beta function, which also gives a continuous
extension to non-integer (reach-weighted) counts:

* negative binomial with mean ``mu`` and dispersion ``phi`` (size ``r = 1/phi``):
  ``P(X >= k) = I_{mu/(mu+r)}(k, r)``;
* binomial share test ``P(X >= k | n, p0) = I_{p0}(k, n - k + 1)``, with counts divided by a design effect
  ``1 + rho (n - 1)`` (a quasi-binomial: mentions of one story are not independent draws).

Pure ``math``: deterministic, fast for one value at a time, no dependency.
"""

from __future__ import annotations

import math

_LN10 = math.log(10.0)
# The functions of a tail's every evaluation, bound once (no module attribute lookup per call).
_log, _log1p, _lgamma = math.log, math.log1p, math.lgamma
_MAX_ITERATIONS = 300
_EPSILON = 1e-12
_TINY = 1e-300
#: Scores are capped: beyond 1e-100 every p-value means "certainly significant".
MAX_SCORE = 100.0


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Lentz's evaluation of the continued fraction of I_x(a, b). (``-tiny < d < tiny`` is ``abs(d) < tiny``, NaN
    included, without a builtin call: this loop is most of a tail's cost, and a tail is evaluated several times per
    negative mention.)"""
    tiny = _TINY
    epsilon = _EPSILON
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if -tiny < d < tiny:
        d = tiny
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITERATIONS + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if -tiny < d < tiny:
            d = tiny
        c = 1.0 + aa / c
        if -tiny < c < tiny:
            c = tiny
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if -tiny < d < tiny:
            d = tiny
        c = 1.0 + aa / c
        if -tiny < c < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if -epsilon < delta - 1.0 < epsilon:
            break
    return h


def log_incomplete_beta(a: float, b: float, x: float) -> float:
    """Natural log of the regularised incomplete beta I_x(a, b), accurate deep in the tail."""
    if x <= 0.0:
        return -math.inf
    if x >= 1.0:
        return 0.0
    log_front = a * _log(x) + b * _log1p(-x) - (_lgamma(a) + _lgamma(b) - _lgamma(a + b))
    if x < (a + 1.0) / (a + b + 2.0):
        return log_front + _log(_beta_continued_fraction(a, b, x)) - _log(a)
    complement = math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b
    return _log1p(-min(complement, 1.0 - 1e-16))


def _score(log_p: float) -> float:
    return min(MAX_SCORE, max(0.0, -log_p / _LN10))


def negative_binomial_score(observed: float, expected: float, dispersion: float) -> float:
    """-log10 P(X >= observed) for X negative binomial with mean ``expected`` and variance
    ``expected + dispersion * expected**2``. 0 when nothing exceeds the expectation."""
    if observed <= expected or observed <= 0.0:
        return 0.0
    if expected <= 0.0:
        return MAX_SCORE
    size = 1.0 / max(dispersion, 1e-4)
    return _score(log_incomplete_beta(observed, size, expected / (expected + size)))


def share_score(successes: float, trials: float, baseline_share: float, design_rho: float) -> float:
    """-log10 P(share >= successes/trials) when the share is ``baseline_share``, quasi-binomial with
    intra-story correlation ``design_rho``. 0 when the share does not exceed the baseline."""
    if trials <= 0.0 or successes <= baseline_share * trials:
        return 0.0
    if baseline_share <= 0.0:
        return MAX_SCORE
    design_effect = 1.0 + design_rho * max(trials - 1.0, 0.0)
    k = successes / design_effect
    n = trials / design_effect
    if baseline_share >= 1.0:
        return 0.0
    return _score(log_incomplete_beta(k, n - k + 1.0, baseline_share))
