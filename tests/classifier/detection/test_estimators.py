"""The detector's estimators and rules that make it generalise: dispersion, share correlation, CUSUM, stragglers."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from tests.support import detection_scenarios as sc
from vigie.classifier.detection import DetectionEngine, DetectorSettings, PartitionDriver, baseline
from vigie.schemas import AlertEvent

SETTINGS = DetectorSettings()


def raised(events: list[AlertEvent]) -> list[AlertEvent]:
    return [e for e in events if e.transition == "raised"]


def final_state(mentions: list[Any], territory_id: str, size: str = "city") -> dict[str, Any]:
    engine = DetectionEngine(sc.config(sc.territory(territory_id, size)))
    driver = PartitionDriver(engine, 0)
    states: dict[str, Any] = {}
    for item in mentions:
        driver.on_mention(item, states)
    state: dict[str, Any] = states[territory_id]
    return state


@pytest.mark.parametrize("mean", [1.0, 2.5])
def test_the_dispersion_of_poisson_counts_is_learnt_near_zero_at_low_counts(mean: float) -> None:
    # Pure Poisson counts of known mean: the method of moments on decayed sums finds ~0 (the average of
    # per-bucket moments floored at 0, the volume mode's estimator, finds 0.16-0.25 here).
    rng = random.Random(7)
    sums: list[float] | None = None
    phi = SETTINGS.prior_dispersion
    floored = replace(SETTINGS, dispersion_moment_sums=False)
    base = baseline.new_baseline(mean, 1)
    for _ in range(6000):
        count = _poisson(rng, mean)
        sums, phi = baseline.moment_estimate(sums, count, mean, phi, SETTINGS)
        base["n"] += 1
        baseline.learn_window_dispersion(base, 0, count, mean, floored)
    assert phi < 0.03
    assert baseline.window_dispersion(base, 0, floored) > 0.1


@pytest.mark.parametrize("mean", [2.5, 20.0])
def test_the_robust_window_dispersion_is_not_inflated_by_surges(mean: float) -> None:
    # Poisson window sums of known mean, with 12 % of the windows lifted x4 (hours of buzz or news): the plain
    # estimate (residuals clipped at 2.5 sd of its own model) inflates, the robust one (clipped at 1 sd, each
    # square divided by the share of the model's variance the clip keeps) far less.
    robust = replace(SETTINGS, robust_dispersion_clip_sd=1.0)
    estimates = {}
    for name, settings in (("plain", SETTINGS), ("robust", robust)):
        rng = random.Random(1)
        base = baseline.new_baseline(mean, 1)
        for i in range(8000):
            count = _poisson(rng, 4 * mean if i % 500 < 60 else mean)
            baseline.learn_window_dispersion(base, 0, count, mean, settings)
        estimates[name] = baseline.window_dispersion(base, 0, settings)
    assert estimates["plain"] > 0.18
    assert estimates["robust"] < 0.6 * estimates["plain"]


@pytest.mark.parametrize(("mean", "phi"), [(1.0, 0.0), (3.0, 0.2), (20.0, 0.2)])
def test_the_robust_window_dispersion_is_unbiased_on_counts_the_model_fits(mean: float, phi: float) -> None:
    # Negative-binomial sums without surges: the clipped squares, divided by the share of the variance the clip
    # keeps (computed on the discrete model, so it holds at a mean of 1), find the dispersion (Poisson: the
    # prior's pull towards 0.05 only).
    robust = replace(SETTINGS, robust_dispersion_clip_sd=1.0)
    rng = random.Random(2)
    base = baseline.new_baseline(mean, 1)
    for _ in range(8000):
        rate = rng.gammavariate(1.0 / phi, mean * phi) if phi > 0 else mean
        baseline.learn_window_dispersion(base, 0, _poisson(rng, rate), mean, robust)
    assert abs(baseline.window_dispersion(base, 0, robust) - phi) < 0.05


def test_the_clipped_moment_fraction_matches_the_normal_one_at_high_counts() -> None:
    # Far from the discreteness of low counts, the consistency factor is the normal one: E[min(Z^2, 1)] = 0.516.
    sd = math.sqrt(300.0 + 0.01 * 300.0**2)
    assert baseline.clipped_moment_fraction(300.0, 0.01, sd, sd) == pytest.approx(0.516, abs=0.02)
    assert baseline.clipped_moment_fraction(500.0, 0.01, 1e6, 1e6) == pytest.approx(1.0, abs=1e-6)


def test_a_quiet_territory_stays_near_the_prior() -> None:
    # A bucket of mean 0.05 carries 0.0025 units of mu^2: a month of them does not outweigh the prior's 1000.
    rng = random.Random(3)
    sums: list[float] | None = None
    phi = SETTINGS.prior_dispersion
    for _ in range(8640):
        sums, phi = baseline.moment_estimate(sums, _poisson(rng, 0.05), 0.05, phi, SETTINGS)
    assert abs(phi - SETTINGS.prior_dispersion) < 0.015


def test_a_news_surge_that_raised_nothing_barely_moves_the_dispersion() -> None:
    normal = list(sc.background("nice", 10, 30, negative_share=0.2, seed=5))
    before = final_state(normal, "nice")["base"]["phiw"]
    # Three hours of news at ten times the volume, the usual share of negatives (the share test holds it).
    news = sc.background("nice", 3 / 24, 300, negative_share=0.2, start=sc.START + timedelta(days=10), seed=6)
    after_normal = sc.background("nice", 1, 30, negative_share=0.2, start=sc.START + timedelta(days=10.2), seed=8)
    state = final_state(sc.merged(normal, news, after_normal), "nice")
    assert all(a < 0.15 for a in state["base"]["phiw"])
    assert all(a - b < 0.08 for a, b in zip(state["base"]["phiw"], before, strict=True))


def test_the_share_correlation_is_learnt_small_on_independent_labels() -> None:
    state = final_state(list(sc.background("lyon", 8, 120, negative_share=0.25, seed=2)), "lyon", "metropolis")
    rho = baseline.share_rho(state["base"], SETTINGS)
    assert rho < SETTINGS.share_design_rho
    # So a shift from a quarter to 40 % of 180 mentions is certain (effective sample size ~180, not ~100).
    from vigie.classifier.detection.negbin import share_score

    assert share_score(72, 180, 0.25, rho) > 4.5 > share_score(72, 180, 0.25, 0.01)


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def _build_up(hours: float, peak: float, per_hour: float, seed: int) -> list[Any]:
    """Extra negative posts whose rate rises linearly from 0 to ``peak`` times the usual negative rate."""
    rng = random.Random(seed)
    start = sc.START + timedelta(days=9, hours=10)
    usual = per_hour * 0.2 / 3600.0
    posts, t = [], 0.0
    while t < hours * 3600:
        rate = usual * (peak - 1.0) * t / (hours * 3600)
        t += rng.expovariate(usual * (peak - 1.0))
        if rng.random() * usual * (peak - 1.0) < rate:
            posts.append(sc.mention("nice", start + timedelta(seconds=int(t)), "negative", followers=100))
    return posts


def test_the_cusum_catches_a_slow_build_up_before_the_windows_do() -> None:
    normal = list(sc.background("nice", 10, 40, negative_share=0.2, seed=4))
    stream = sc.merged(normal, _build_up(4, 5.0, 40, seed=9))
    config = sc.config(sc.territory("nice", "city"))
    with_cusum = raised(sc.run(stream, config))
    without = raised(sc.run(stream, config, DetectorSettings(cusum_ratio=0.0)))
    assert with_cusum
    assert not without or with_cusum[0].event_time < without[0].event_time
    assert not raised(sc.run(normal, config))


def test_stragglers_neither_update_nor_hold_an_incident_open() -> None:
    normal = sc.background("saint-malo", 8, 6, shape=sc.daily_rhythm)
    at = sc.START + timedelta(days=7, hours=9)
    crisis = sc.burst("saint-malo", at, 40, 30)
    # Then two angry posts every 90 minutes for the evening: stragglers, not a crisis going on.
    stragglers = [
        sc.mention("saint-malo", at + timedelta(minutes=100 + 90 * k + j), "negative") for k in range(6) for j in (0, 1)
    ]
    events = sc.run(sc.merged(normal, crisis, stragglers))
    incident = [e for e in events if e.incident_id == events[0].incident_id]
    late = at + timedelta(minutes=90)
    assert not [e for e in incident if e.transition != "resolved" and e.event_time > late]
    assert incident[-1].resolved_at is not None
    quiet = timedelta(seconds=SETTINGS.hold_quiet_seconds)
    assert incident[-1].resolved_at <= crisis[-1].published_at + timedelta(hours=1) + quiet


def test_a_few_posts_at_night_are_never_critical() -> None:
    normal = sc.background("ploumanach", 8, 0.5, seed=2)
    night = sc.START + timedelta(days=7, hours=2)
    angry = [sc.mention("ploumanach", night + timedelta(minutes=2 * i), "negative") for i in range(6)]
    events = sc.run(sc.merged(normal, angry), sc.config(sc.territory("ploumanach", "village")))
    assert raised(events)
    assert all(e.severity == "warning" for e in events)


def test_a_state_checkpointed_before_the_new_estimators_restores() -> None:
    # States written by the previous detector lack the moment sums, the share correlation, the CUSUM and the
    # ring's largest weights: they restore, each estimate starting from its prior.
    engine = DetectionEngine(sc.config())
    driver = PartitionDriver(engine, 0)
    states: dict[str, Any] = {}
    normal = list(sc.background("saint-malo", 3, 6, seed=3))
    for item in normal[: len(normal) // 2]:
        driver.on_mention(item, states)
    state = states["saint-malo"]
    for key in ("ps", "pws", "rs", "rho"):
        state["base"].pop(key, None)
    state.pop("cu", None)
    state["ring"].pop("wx", None)
    later = sc.START + timedelta(days=3, hours=12)
    crisis = [sc.mention("saint-malo", later + timedelta(minutes=i), "negative", followers=90_000) for i in range(30)]
    events = []
    for item in normal[len(normal) // 2 :] + crisis:
        events.extend(driver.on_mention(item, states))
    assert raised(events)


def _null_and_crisis_scores(conditional: bool) -> tuple[float, float]:
    """Share of null windows scoring >= 2, and the median score of a crisis window, for the conditioned count
    test: the window's negatives given its other mentions (gamma volume swing of dispersion 0.2, share 0.27,
    5.4 negatives expected: an hour of a 20-mention/hour city) with the posterior of the swing, or against
    ``max(1, the others' swing)`` with the whole dispersion."""
    import numpy as np

    from vigie.classifier.detection.negbin import negative_binomial_score
    from vigie.classifier.detection.surge import conditional_count, volume_swing

    rng = np.random.default_rng(5)
    phi, share0, mu = 0.2, 0.27, 5.4
    mu_others = mu * (1.0 - share0) / share0

    def score(negative: int, others: int) -> float:
        if conditional:
            mean, dispersion = conditional_count(others, mu, share0, phi)
            return negative_binomial_score(negative, mean, dispersion)
        return negative_binomial_score(negative, mu * volume_swing(others, mu, share0), phi)

    swings = rng.gamma(1.0 / phi, phi, 20_000)
    null = [
        score(int(n), int(o)) for n, o in zip(rng.poisson(swings * mu), rng.poisson(swings * mu_others), strict=True)
    ]
    # A crisis: x6 negatives at a true-negative recall of 0.62, whose missed negatives and neutral companions
    # (0.83 per extra negative counted) raise the others too.
    extra = 5.0 * mu
    crisis = [
        score(int(n), int(o))
        for n, o in zip(rng.poisson(mu + extra, 400), rng.poisson(mu_others + 0.83 * extra, 400), strict=True)
    ]
    return sum(s >= 2.0 for s in null) / len(null), float(np.median(crisis))


def test_the_count_test_given_the_other_mentions_is_calibrated_and_keeps_a_crisis_significant() -> None:
    # Under the null (both counts swing together), the posterior of the volume swing leaves the test near its
    # nominal level (1 % at score 2) ...
    null_rate, crisis_median = _null_and_crisis_scores(conditional=True)
    assert 0.002 < null_rate < 0.015
    # ... while the maximum of 1 and the others' swing, tested with the whole dispersion, counts the swing twice:
    # far below its level, and a crisis whose others rise with it loses most of its significance.
    blunt_rate, blunt_median = _null_and_crisis_scores(conditional=False)
    assert blunt_rate < null_rate / 2
    assert crisis_median > 2 * blunt_median


def test_dispersions_learnt_around_the_conditioned_expectation_ignore_a_volume_surge() -> None:
    # Three hours at ten times the volume with the usual share: the window count tests expect the negatives the
    # other mentions imply, and with conditioned_dispersion the dispersions are learnt around that expectation.
    normal = list(sc.background("nice", 10, 30, negative_share=0.2, seed=5))
    news = sc.background("nice", 3 / 24, 300, negative_share=0.2, start=sc.START + timedelta(days=10), seed=6)
    stream = sc.merged(normal, news)

    def dispersions(settings: DetectorSettings) -> list[float]:
        driver = PartitionDriver(DetectionEngine(sc.config(sc.territory("nice", "city")), settings), 0)
        states: dict[str, Any] = {}
        for item in stream:
            driver.on_mention(item, states)
        driver.on_mention(sc.mention("nice", sc.START + timedelta(days=10.5), "neutral"), states)
        return list(states["nice"]["base"]["phiw"])

    around_baseline = dispersions(replace(SETTINGS, conditioned_dispersion=False))
    conditioned = dispersions(replace(SETTINGS, conditioned_dispersion=True))
    assert all(c < b for c, b in zip(conditioned, around_baseline, strict=True))


def test_raise_thresholds_move_with_how_often_a_place_looks() -> None:
    from vigie.classifier.detection.local_time import LocalCalendar
    from vigie.classifier.detection.surge import SurgeDetector

    settings = DetectorSettings(look_score_per_decade=1.0, look_reference_per_hour=10.0, look_floor_per_hour=0.5)
    detector = SurgeDetector("t", settings, LocalCalendar("UTC"), 1.0, share_test=True, min_level=1e-3)
    offsets = []
    for per_hour in (100.0, 10.0, 1.0, 0.01):
        state = detector.new_state()
        state["base"]["level"] = per_hour / settings.buckets_per_hour
        offsets.append(detector.look_offset(state))
    # A decade more negatives an hour, one more unit of -log10 p; the floor bounds how far a silent place drops.
    assert offsets == pytest.approx([1.0, 0.0, -1.0, math.log10(0.05)])
    plain = SurgeDetector(
        "t", DetectorSettings(look_score_per_decade=0.0), LocalCalendar("UTC"), 1.0, share_test=True, min_level=1e-3
    )
    assert plain.look_offset(plain.new_state()) == 0.0


def test_a_quiet_place_raises_on_a_crisis_a_fixed_score_misses_and_not_on_its_ordinary_days() -> None:
    # Four mentions an hour (one negative) with a strong daily rhythm: eight negatives in twenty minutes one
    # afternoon. At one fixed raise score for every place it stays below; with the thresholds of a place that
    # looks once an hour (the defaults) it raises within the surge, and nine ordinary days still raise nothing.
    fixed = DetectorSettings(look_score_per_decade=0.0)
    config = sc.config(sc.territory("saint-malo", "town"))
    normal = list(sc.background("saint-malo", 9, 4, negative_share=0.25, shape=sc.daily_rhythm, seed=6))
    at = sc.START + timedelta(days=8, hours=15)
    stream = sc.merged(normal, sc.burst("saint-malo", at, 8, 20))
    assert not raised(sc.run(stream, config, fixed))
    alerts = raised(sc.run(stream, config))
    assert [e.event_time < at + timedelta(minutes=20) for e in alerts] == [True]
    assert not raised(sc.run(normal, config))
