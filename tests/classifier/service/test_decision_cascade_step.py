"""The decision cascade in the service's detection step: the same re-scores and alert events as ``vigie
backtest``, and the same again after a crash and a restore from the changelog."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from vigie.classifier.detection.rescoring import CascadeSettings, DecisionCascade
from vigie.classifier.replay import Backtest
from vigie.classifier.sentiment import load_default_model, load_language_identifier
from vigie.classifier.service.components import decision_cascade, load_scorer
from vigie.classifier.service.detection_step import EngineDetectionStep
from vigie.classifier.service.records import InboundRecord
from vigie.classifier.settings import ClassifierSettings
from vigie.schemas import AlertEvent, load_territories

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
TERRITORY_IDS = ["saint-malo", "nice", "tours", "lyon", "orange"]
PARTITIONS = 3
BATCH = 40


class TextSum:
    """A deterministic stand-in for the accurate model (e5 is too slow for hundreds of texts in a test): the
    label follows the sum of the text's code points."""

    name = "stand-in-accurate"

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list:  # type: ignore[type-arg]
        from vigie.classifier.sentiment.protocol import Prediction

        table = {
            0: Prediction("negative", 0.6, 0.3, 0.1),
            1: Prediction("neutral", 0.2, 0.6, 0.2),
            2: Prediction("positive", 0.1, 0.3, 0.6),
        }
        return [table[sum(map(ord, text)) % 3] for text in texts]


def cascade() -> DecisionCascade:
    # Every evaluation puts its territory under test and every label is uncertain: the budget decides.
    return DecisionCascade(TextSum, CascadeSettings(margin=1.0, pre_alert_score=0.0, budget_per_hour=6))


def run(step: EngineDetectionStep, records: Sequence[InboundRecord], table: dict[str, bytes], log: list) -> tuple:  # type: ignore[type-arg]
    events: list[AlertEvent] = []
    rescored = 0
    for start in range(0, len(records), BATCH):
        outcome = step.process(records[start : start + BATCH], table)
        events.extend(alert.event for alert in outcome.alerts)
        rescored += outcome.rescored_mentions
        for write in outcome.writes:
            table[write.key] = write.value
            log.append((write.key, write.value))
    return events, rescored


def test_the_service_step_and_the_backtest_count_the_same_rescored_labels(kit) -> None:
    territories = load_territories(kit.TERRITORIES)
    mentions = kit.scenario(TERRITORY_IDS, "nice", hours=26, crisis_at_hour=16, per_hour=3)
    backtest = Backtest(territories, load_default_model(), load_language_identifier(), cascade=cascade())
    expected = list(backtest.run(mentions))
    assert backtest.engine.cascade is not None and backtest.engine.cascade.rescored > 0
    records = kit.scored_records(load_scorer()(mentions), PARTITIONS)

    table: dict[str, bytes] = {}
    log: list[tuple[str, bytes]] = []
    events, rescored = run(EngineDetectionStep(territories, lambda: NOW, cascade=cascade()), records, table, log)
    assert expected[0].transition == "raised"
    assert sorted(events, key=lambda e: e.event_id) == sorted(expected, key=lambda e: e.event_id)
    assert rescored == backtest.engine.cascade.rescored

    # A crash half-way through the changelog, then every record again: nothing new, nothing different.
    by_id = {event.event_id: event for event in expected}
    restored_log = log[: len(log) // 2]
    restored = dict(restored_log)
    replayed, _ = run(EngineDetectionStep(territories, lambda: NOW, cascade=cascade()), records, restored, [])
    assert all(event == by_id[event.event_id] for event in replayed)
    assert restored == table


def test_the_cascade_is_off_by_default_and_auto_turns_it_on_in_a_detection_worker(monkeypatch) -> None:
    monkeypatch.setenv("VIGIE_CLASSIFIER_DECISION_CASCADE_BUDGET_PER_HOUR", "12")
    monkeypatch.setenv("VIGIE_CLASSIFIER_ROLE", "detection")
    assert decision_cascade(ClassifierSettings()) is None
    monkeypatch.setenv("VIGIE_CLASSIFIER_DECISION_CASCADE", "auto")
    on = decision_cascade(ClassifierSettings())
    assert on is not None and on.settings.budget_per_hour == 12
    monkeypatch.setenv("VIGIE_CLASSIFIER_ROLE", "all")
    assert decision_cascade(ClassifierSettings()) is None  # the e5 encoder would take it to 300 MB
    monkeypatch.setenv("VIGIE_CLASSIFIER_DECISION_CASCADE", "on")
    assert decision_cascade(ClassifierSettings()) is not None
