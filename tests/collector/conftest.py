"""Test helpers of the collector: a manual clock, an in-memory record sink, loopback HTTP servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from vigie.collector.dedup import Deduplicator
from vigie.collector.errors import SinkError
from vigie.collector.matching import TerritoryMatcher
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.pseudonym import Pseudonymiser
from vigie.collector.state import StateStore
from vigie.schemas import (
    DEADLETTER,
    MENTIONS_RAW,
    DeadLetter,
    EncodedRecord,
    RawMention,
    TerritoryConfig,
    decode,
    load_territories,
)

EXAMPLE_TERRITORIES = Path(__file__).resolve().parents[2] / "config" / "territories.example.yaml"


class ManualClock:
    """A clock whose sleep advances time at once (and lets other tasks run)."""

    def __init__(self, start: datetime = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)) -> None:
        self.current = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    def time(self) -> float:
        return self.current.timestamp()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(0)

    async def sleep_until(self, when: datetime) -> None:
        await self.sleep((when - self.current).total_seconds())


class MemorySink:
    """A broker stand-in for unit tests: keeps acknowledged records; can be told to fail."""

    def __init__(self) -> None:
        self.records: list[EncodedRecord] = []
        self.fail_next = 0

    async def send(self, records: Sequence[EncodedRecord]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise SinkError("broker down (test)")
        self.records.extend(records)

    def mentions(self) -> list[RawMention]:
        return [decode(MENTIONS_RAW, r.value, r.headers) for r in self.records if r.topic == MENTIONS_RAW]

    def dead_letters(self) -> list[DeadLetter]:
        return [decode(DEADLETTER, r.value, r.headers) for r in self.records if r.topic == DEADLETTER]


@pytest.fixture(scope="session")
def territories() -> TerritoryConfig:
    return load_territories(EXAMPLE_TERRITORIES)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> CollectorMetrics:
    return CollectorMetrics(registry)


PipelineFactory = Callable[..., MentionPipeline]


@pytest.fixture
def make_pipeline(
    territories: TerritoryConfig, sink: MemorySink, metrics: CollectorMetrics, clock: ManualClock
) -> PipelineFactory:
    def make(
        *, state: StateStore | None = None, pseudonymiser: Pseudonymiser | None = None, capacity: int = 1000
    ) -> MentionPipeline:
        dedup = Deduplicator(capacity=capacity)
        if state is not None:
            dedup.commit(state.load_dedup(capacity))
        return MentionPipeline(
            TerritoryMatcher(territories), sink, metrics, clock, dedup=dedup, state=state, pseudonymiser=pseudonymiser
        )

    return make


Sample = Callable[..., float]


@pytest.fixture
def sample(registry: CollectorRegistry) -> Sample:
    """``sample(name, **labels)``: a metric's current value (0 when never set)."""

    def read(name: str, **labels: str) -> float:
        return float(registry.get_sample_value(name, labels) or 0.0)

    return read


ServeApp = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[ServeApp]:
    """Start aiohttp applications on 127.0.0.1 (free port); yields a function returning the base URL."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()
