"""Fixtures shared by the whole suite.

``kafka`` gives every integration test a Kafka-protocol broker with every registry topic:
a fresh embedded Tansu (in memory, ~20 ms to start) per test, or, when ``KAFKA_BOOTSTRAP_SERVERS`` is set,
that external broker (Apache Kafka) shared by all tests — so tests always use their own consumer group
ids and filter on keys they produced themselves.

``make test`` runs the suite on one worker per core (pytest-xdist, ``--dist loadscope``: a module's tests stay
on one worker, so module fixtures such as the demo run once). Every broker, HTTP and SMTP server a test starts
listens on a free port and every file it writes is under its own ``tmp_path``, so workers never share one.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vigie.runtime.embedded_broker import EmbeddedBroker
from vigie.runtime.topics import TopicRequest, ensure_topics, registry_topics


@dataclass
class ExternalBroker:
    """An already running broker named by KAFKA_BOOTSTRAP_SERVERS."""

    bootstrap_servers: str
    topics: list[TopicRequest] = field(default_factory=registry_topics)

    def create_topics(self, topics: Iterable[TopicRequest]) -> list[str]:
        return asyncio.run(ensure_topics(self.bootstrap_servers, list(topics)))

    def running(self) -> bool:
        return True


KafkaBroker = EmbeddedBroker | ExternalBroker


#: The longest modules (``pytest --durations``), in the order they are handed out to workers: xdist's loadscope
#: scheduler gives each worker two modules at first, so these alternate long and shorter ones, and no long
#: module is left to run alone at the end. Only the order of modules changes; a serial run keeps its order.
LONGEST_MODULES_FIRST = (
    "demo/test_demo.py",
    "reliability/test_poison_pipeline.py",
    "classifier/service/test_worker_crash_replay.py",
    "classifier/service/test_worker_pipeline.py",
    "classifier/detection/test_series.py",
    "notifier/test_service.py",
    "notifier/test_digest_delivery.py",
    "notifier/test_fuzz.py",
    "classifier/detection/test_properties.py",
    "classifier/detection/test_estimators.py",
    "classifier/detection/test_scenarios.py",
    "classifier/commands/test_classify.py",
    "classifier/service/test_worker_hostile_input.py",
    "classifier/commands/test_backtest.py",
    "classifier/service/test_digest_checkpoint.py",
    "runtime/test_service_logs_are_json.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On xdist workers, start with the longest modules (see :data:`LONGEST_MODULES_FIRST`)."""
    if not hasattr(config, "workerinput"):
        return
    tests = Path(__file__).parent
    rank = {(tests / name).resolve(): index for index, name in enumerate(LONGEST_MODULES_FIRST)}
    items.sort(key=lambda item: rank.get(Path(item.path).resolve(), len(rank)))


@pytest.fixture
def kafka() -> Iterator[KafkaBroker]:
    """A broker with every registry topic created (see the module docstring)."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        broker = ExternalBroker(external)
        broker.create_topics(broker.topics)
        yield broker
        return
    with EmbeddedBroker() as embedded:
        yield embedded


@pytest.fixture
def unique() -> str:
    """A short unique suffix for group ids and keys, so tests never see each other's records."""
    return uuid.uuid4().hex[:10]
