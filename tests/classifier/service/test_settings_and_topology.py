"""Settings from the environment, the topics the worker needs, and the consumer-lag gauge."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from vigie.classifier.metrics import ClassifierMetrics
from vigie.classifier.service.progress import Progress
from vigie.classifier.service.records import InboundRecord
from vigie.classifier.service.topology import changelog_topic, worker_topics
from vigie.classifier.settings import ClassifierSettings
from vigie.schemas import ALERTS, DEADLETTER, DIGESTS, MENTIONS_RAW, MENTIONS_SCORED, TOPICS


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("VIGIE_CLASSIFIER_APP_ID", "vigie-classifier-blue")
    monkeypatch.setenv("VIGIE_CLASSIFIER_SCORING_BATCH_SIZE", "1000")
    monkeypatch.setenv("VIGIE_CLASSIFIER_TANSU_COMPAT", "true")
    settings = ClassifierSettings()
    assert settings.kafka.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert (settings.app_id, settings.scoring_batch_size) == ("vigie-classifier-blue", 1000)
    assert settings.producer_max_batch_size == 1
    assert (settings.digests_enabled, settings.digest_grace_s) == (True, 1800.0)
    monkeypatch.setenv("VIGIE_CLASSIFIER_DIGESTS_ENABLED", "false")
    assert ClassifierSettings().digests_enabled is False
    assert ClassifierSettings(tansu_compat=False).producer_max_batch_size > 1
    with pytest.raises(ValueError, match="app_id"):
        ClassifierSettings(app_id="Not A Topic Prefix")


def test_the_sentiment_preset_is_fast_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ClassifierSettings().sentiment_preset == "fast"
    monkeypatch.setenv("VIGIE_CLASSIFIER_SENTIMENT_PRESET", "cascade")
    assert ClassifierSettings().sentiment_preset == "cascade"
    with pytest.raises(ValueError, match="sentiment_preset"):
        ClassifierSettings(sentiment_preset="klingon")


def test_the_worker_needs_the_registry_topics_it_uses_and_a_co_partitioned_changelog() -> None:
    topics = {t.name: t for t in worker_topics("vigie-classifier")}
    assert set(topics) == {
        MENTIONS_RAW,
        MENTIONS_SCORED,
        ALERTS,
        DIGESTS,
        DEADLETTER,
        changelog_topic("vigie-classifier"),
    }
    assert topics[DIGESTS].partitions == TOPICS[DIGESTS].partitions
    changelog = topics["vigie-classifier-detector-state-changelog"]
    assert changelog.partitions == TOPICS[MENTIONS_SCORED].partitions == TOPICS[MENTIONS_RAW].partitions
    assert ("cleanup.policy", "compact") in changelog.configs


def test_a_scoring_only_worker_needs_no_changelog() -> None:
    scoring = {t.name for t in worker_topics("vigie-classifier-scoring", detecting=False)}
    assert scoring == {MENTIONS_RAW, MENTIONS_SCORED, ALERTS, DIGESTS, DEADLETTER}


def test_consumer_lag_is_the_high_watermark_minus_the_next_offset_to_process() -> None:
    metrics = ClassifierMetrics(CollectorRegistry())
    progress = Progress()
    progress.processed(MENTIONS_RAW, 0, 9)
    progress.processed(MENTIONS_SCORED, 1, 0)
    highs = {(MENTIONS_RAW, 0): 15, (MENTIONS_SCORED, 1): None}
    progress.export(metrics, lambda topic, partition: highs.get((topic, partition)))
    lag = metrics.registry.get_sample_value("vigie_classifier_consumer_lag", {"topic": MENTIONS_RAW, "partition": "0"})
    assert lag == 5
    progress.forget([(MENTIONS_RAW, 0)])
    assert progress.lag(lambda topic, partition: 100) == {(MENTIONS_SCORED, 1): 99}


def test_the_lag_follows_a_log_that_restarted_below_the_position() -> None:
    """A broker that lost its data restarts the offsets at 0: once the worker processes the new log, its position
    follows it down (it would otherwise read 0 lag for as long as the new log stays below the old offsets)."""
    progress = Progress()
    progress.processed_batch([_record(MENTIONS_SCORED, 0, offset) for offset in range(500, 900)])
    assert progress.lag(lambda topic, partition: 900) == {(MENTIONS_SCORED, 0): 0}
    # An end below the position is no lag: Tansu reports a batch-written log's end as its last batch's first
    # offset + 1, below what a caught-up consumer has processed.
    assert progress.lag(lambda topic, partition: 850) == {(MENTIONS_SCORED, 0): 0}
    progress.processed_batch([_record(MENTIONS_SCORED, 0, offset) for offset in range(0, 30)])
    assert progress.position(MENTIONS_SCORED, 0) == 29
    assert progress.lag(lambda topic, partition: 40) == {(MENTIONS_SCORED, 0): 10}


def _record(topic: str, partition: int, offset: int) -> InboundRecord:
    return InboundRecord(topic=topic, partition=partition, offset=offset, key=None, value=b"", headers=())


def test_every_metric_the_dashboards_use_is_registered() -> None:
    registry = CollectorRegistry()
    ClassifierMetrics(registry)
    names = {metric.name for metric in registry.collect()}
    assert {
        "vigie_classifier_mentions_scored",
        "vigie_classifier_alerts",
        "vigie_classifier_open_incidents",
        "vigie_classifier_late_mentions",
        "vigie_classifier_deadletters",
        "vigie_classifier_scoring_seconds",
        "vigie_classifier_alert_latency_seconds",
        "vigie_classifier_consumer_lag",
        "vigie_classifier_digests",
    } <= names
