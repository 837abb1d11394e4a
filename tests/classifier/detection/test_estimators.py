"""The detector's estimators and rules that make it generalise: dispersion, share correlation, CUSUM, stragglers."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from tests.support import detection_scenarios as sc
from vigie.classifier.detection import DetectionEngine, DetectorSettings, PartitionDriver
from vigie.classifier.detection import baseline as bl
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
    base = bl.new_baseline(mean, 1)
    for _ in range(6000):
        count = _poisson(rng, mean)
        sums, phi = bl.moment_estimate(sums, count, mean, phi, SETTINGS)
        base["n"] += 1
        bl.learn_window_dispersion(base, 0, count, mean, floored)
    assert phi < 0.03
    assert bl.window_dispersion(base, 0, floored) > 0.1


def test_a_quiet_territory_stays_near_the_prior() -> None:
    # A bucket of mean 0.05 carries 0.0025 units of mu^2: a month of them does not outweigh the prior's 1000.
    rng = random.Random(3)
    sums: list[float] | None = None
    phi = SETTINGS.prior_dispersion
    for _ in range(8640):
        sums, phi = bl.moment_estimate(sums, _poisson(rng, 0.05), 0.05, phi, SETTINGS)
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
    rho = bl.share_rho(state["base"], SETTINGS)
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
