"""Fixtures shared by the whole suite.

``kafka`` gives every integration test a Kafka-protocol broker with every registry topic:
a fresh embedded Tansu (in memory, ~20 ms to start) per test, or, when ``KAFKA_BOOTSTRAP_SERVERS`` is set,
that external broker (Apache Kafka) shared by all tests — so tests always use their own consumer group
ids and filter on keys they produced themselves.

``make test`` runs the suite on pytest-xdist workers (``-n auto --dist loadscope``: a module's tests stay on one
worker, so module fixtures such as the demo run once). ``-n auto`` means one worker more than cores here (see
:func:`pytest_xdist_auto_num_workers`). Every broker, HTTP and SMTP server a test starts
listens on a free port and every file it writes is under its own ``tmp_path``, so workers never share one.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import settings

from vigie.runtime.embedded_broker import EmbeddedBroker
from vigie.runtime.topics import TopicRequest, ensure_topics, registry_topics

# Hypothesis' default 200 ms deadline fails examples that a loaded machine (CI, more xdist workers than cores)
# merely delays; one second still catches a pathological slowdown (a regex backtracking, a quadratic loop).
settings.register_profile("vigie", deadline=timedelta(seconds=1))
settings.load_profile("vigie")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker more than cores. About 40 % of a worker's time is spent waiting rather than
    computing (services starting, consumer groups joining, subprocesses running on the other core), so one
    worker per core leaves the cores idle that long; two per core ran four multi-process tests at once and
    pushed service start-ups past their timeouts on a loaded machine. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still
    decides when it is set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    return (os.cpu_count() or 1) + 1


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
