"""The detection agent across a revocation: a batch that faust's take buffer hands over after the partitions
were revoked (fetched before the rebalance) is neither applied nor acknowledged, so that the same records,
read again under the new assignment, are applied once, as records and not as a restarted log."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import faust
import pytest
from faust.types import Message
from prometheus_client import CollectorRegistry

from vigie.classifier.app import faust_app
from vigie.classifier.metrics import ClassifierMetrics
from vigie.classifier.service.bulk_producer import BulkProducer
from vigie.classifier.service.changelog import ChangelogWriter
from vigie.classifier.service.components import load_scorer
from vigie.classifier.service.detection_agent import DetectionAgent
from vigie.classifier.service.detection_step import EngineDetectionStep
from vigie.classifier.service.liveness import Liveness
from vigie.classifier.service.outputs import Outputs
from vigie.classifier.service.progress import Progress
from vigie.classifier.service.records import InboundRecord
from vigie.classifier.settings import ClassifierSettings
from vigie.schemas import load_territories

pytestmark = pytest.mark.broker

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def events_of(app: faust.App, records: Sequence[InboundRecord], generation: int) -> list[faust.Event]:
    """The records as faust hands them to an agent, fetched under consumer generation ``generation``."""
    events = []
    for record in records:
        message = Message(
            record.topic,
            record.partition,
            record.offset,
            timestamp=0.0,
            timestamp_type=0,
            headers=list(record.headers),
            key=record.key,
            value=record.value,
            checksum=None,
            generation_id=generation,
        )
        events.append(faust.Event(app, record.key, record.value, message.headers, message))
    return events


def sample(registry: CollectorRegistry, name: str) -> float:
    return registry.get_sample_value(name) or 0.0


def test_a_batch_fetched_before_a_revocation_is_not_applied_and_its_records_count_once_after(
    tmp_path: Path, kit, kafka, unique, monkeypatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap_servers)
    territories = load_territories(kit.TERRITORIES)
    scored = load_scorer()(kit.scenario(["saint-malo", "nice"], "nice", hours=3, crisis_at_hour=99, per_hour=20))
    # One partition's records only: its offsets 0, 1, 2, ... in order.
    records = [r for r in kit.scored_records(scored, 1)]
    first, again = records[:20], records[20:40]
    assert len(again) == 20

    async def scenario() -> CollectorRegistry:
        settings = ClassifierSettings(app_id=f"test-agent-{unique}", data_dir=tmp_path, checkpoint_interval_s=60)
        app = faust_app(settings)
        table = app.Table("detector-state", default=None, partitions=1, key_type=str, value_type=bytes)
        registry = CollectorRegistry()
        metrics = ClassifierMetrics(registry)
        bulk = BulkProducer(settings)  # the batches' alerts go to the broker; no checkpoint comes due

        agent = DetectionAgent(
            app,
            table,
            settings,
            EngineDetectionStep(territories, lambda: NOW),
            ChangelogWriter(bulk, "changelog", str.encode),
            Outputs(app, bulk, metrics),
            Progress(),
            Liveness(60.0),
            metrics,
            lambda: NOW,
        )
        # A worker's first rebalance revokes nothing, and the first generation may be the app's initial one
        # (Tansu's is 0, as faust's default).
        await agent.revoke()
        app.consumer_generation_id = 0
        await agent.assign()
        await agent.submit(events_of(app, first, generation=0))
        assert sample(registry, "vigie_classifier_checkpoint_pending_records") == len(first)
        await agent.revoke()
        # Handed over after the revocation, fetched before it.
        await agent.submit(events_of(app, again, generation=0))
        assert sample(registry, "vigie_classifier_stale_records_total") == len(again)
        assert sample(registry, "vigie_classifier_checkpoint_pending_records") == 0
        # The next assignment re-reads from the committed offset (nothing was committed: offset 0).
        app.consumer_generation_id = 1
        await agent.assign()
        await agent.submit(events_of(app, first + again, generation=1))
        assert sample(registry, "vigie_classifier_checkpoint_pending_records") == len(first) + len(again)
        await bulk.on_stop()
        return registry

    registry = asyncio.run(scenario())
    assert sample(registry, "vigie_classifier_offset_resets_total") == 0
    assert sample(registry, "vigie_classifier_replayed_records_total") == 0
