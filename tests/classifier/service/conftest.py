"""Shared by the classifier service tests: a crisis scenario, a worker subprocess, produce/consume helpers."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from prometheus_client.parser import text_string_to_metric_families

from vigie.classifier.service.detection_step import upstream_header
from vigie.classifier.service.records import InboundRecord
from vigie.runtime.embedded_broker import free_port
from vigie.runtime.partitioning import partition_for
from vigie.schemas import MENTIONS_RAW, MENTIONS_SCORED, Author, RawMention, ScoredMention, Source, encode

REPO = Path(__file__).resolve().parents[3]
TERRITORIES = REPO / "config" / "territories.example.yaml"

CALM = [
    "Balade sur le port ce matin",
    "Le conseil municipal se réunit jeudi",
    "Belle journée au marché, bravo aux commerçants",
    "Nouvel horaire du tram à partir de lundi",
    "Concert gratuit ce soir sur la place",
    "Les travaux de la rue principale avancent",
    "Circulation difficile ce matin, un peu énervant",
]
ANGRY = [
    "Plage fermée, eau polluée, c'est une honte, scandale total",
    "Pollution dégoûtante sur la plage, la mairie ment, inadmissible",
    "Horrible, des égouts dans la mer, la ville ne fait rien, honteux",
    "Scandale : baignade interdite, odeur insupportable, dégoûtant",
]


def scenario(
    territories: Sequence[str],
    crisis_territory: str,
    *,
    start: datetime = datetime(2026, 10, 5, 0, 0, tzinfo=UTC),
    hours: int = 30,
    crisis_at_hour: int = 20,
    per_hour: int = 4,
    crisis_mentions: int = 60,
    seed: int = 7,
) -> list[RawMention]:
    """Calm background for every territory, then a burst of angry posts about one, in event-time order.

    The crisis lasts 30 minutes; the remaining hours of background let the incident resolve."""
    rng = random.Random(seed)
    items: list[tuple[datetime, str, str, int]] = []
    for hour in range(hours):
        for territory in territories:
            for _ in range(rng.randint(per_hour - 2, per_hour + 2)):
                at = start + timedelta(hours=hour, seconds=rng.randrange(3600))
                items.append((at, territory, rng.choice(CALM), rng.randrange(50, 2000)))
    crisis_start = start + timedelta(hours=crisis_at_hour)
    for index in range(crisis_mentions):
        at = crisis_start + timedelta(seconds=index * 1800 // crisis_mentions + rng.randrange(20))
        items.append((at, crisis_territory, rng.choice(ANGRY), rng.randrange(50, 50_000)))
    items.sort(key=lambda item: item[0])
    return [
        RawMention(
            mention_id=f"replay:scenario:{index}",
            native_id=str(index),
            source=Source(kind="replay", instance="scenario"),
            text=text,
            author=Author(handle=f"user{index % 97}", followers=followers),
            published_at=at,
            collected_at=at + timedelta(seconds=30),
            territory_id=territory,
        )
        for index, (at, territory, text, followers) in enumerate(items)
    ]


async def produce_mentions(bootstrap: str, mentions: Iterable[RawMention]) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    count = 0
    try:
        for mention in mentions:
            record = encode(MENTIONS_RAW, mention, source="/tests/classifier")
            await producer.send(record.topic, record.value, key=record.key, headers=record.headers)
            count += 1
        await producer.flush()
    finally:
        await producer.stop()
    return count


async def produce_raw(bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes | None]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def consume_until(
    bootstrap: str, topics: Sequence[str], done: object, timeout_s: float, group: str | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topics`` from the beginning until ``done(records)`` is true or the timeout expires."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not done(records):  # type: ignore[operator]
            batch = await consumer.getmany(timeout_ms=200)
            for tp_records in batch.values():
                records.extend(tp_records)
    finally:
        await consumer.stop()
    return records


def read_all(
    bootstrap: str, topics: Sequence[str], expected: int, timeout_s: float = 45.0
) -> list[ConsumerRecord[bytes, bytes]]:
    return asyncio.run(consume_until(bootstrap, topics, lambda records: len(records) >= expected, timeout_s))


@dataclass
class Worker:
    """A ``vigie classifier run`` subprocess."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"worker not ready within {timeout_s}s:\n{self.log()}")

    def metrics(self) -> str:
        return httpx.get(f"{self.url}/metrics", timeout=2.0).text

    def metric(self, name: str, **labels: str) -> float:
        """One sample of the worker's /metrics (0 when absent)."""
        for family in text_string_to_metric_families(self.metrics()):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    return float(sample.value)
        return 0.0

    def wait_applied(self, records: int, timeout_s: float = 45.0) -> None:
        """Until the detection agent has applied ``records`` scored records."""
        deadline = time.monotonic() + timeout_s
        while self.metric("vigie_classifier_batch_size_sum", stage="detection") < records:
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self, timeout_s: float = 20.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[object]:
    """Start classifier workers against a broker; every one still running at the end is killed."""
    started: list[Worker] = []

    def start(bootstrap: str, *, app_id: str, territories: Path = TERRITORIES, **env: str) -> Worker:
        port = free_port()
        log_path = tmp_path / f"worker-{len(started)}.log"
        environment = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "VIGIE_CLASSIFIER_APP_ID": app_id,
            "VIGIE_CLASSIFIER_HTTP_PORT": str(port),
            "VIGIE_CLASSIFIER_TANSU_COMPAT": "1",
            "VIGIE_CLASSIFIER_BROKER_SESSION_TIMEOUT_S": "2",
            "VIGIE_CLASSIFIER_BROKER_HEARTBEAT_INTERVAL_S": "0.5",
            "VIGIE_CLASSIFIER_COMMIT_INTERVAL_S": "0.5",
            "VIGIE_CLASSIFIER_LOG_FORMAT": "console",
            **env,
        }
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "vigie.runtime.cli", "classifier", "run", "--territories", str(territories)],
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
        worker = Worker(process, port, log_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=10)


def scored_records(scored: Sequence[ScoredMention], partitions: int) -> list[InboundRecord]:
    """Scored mentions as the scoring agent publishes them: routed by territory, each naming its raw record
    (raw offset = its index, on the raw partition of the same number)."""
    offsets = [0] * partitions
    records = []
    for raw_offset, mention in enumerate(scored):
        partition = partition_for(mention.territory_id, partitions)
        encoded = encode(MENTIONS_SCORED, mention, source="/tests")
        headers = [*encoded.headers, upstream_header(partition, raw_offset)]
        records.append(
            InboundRecord(MENTIONS_SCORED, partition, offsets[partition], encoded.key, encoded.value, headers)
        )
        offsets[partition] += 1
    return records


@pytest.fixture(scope="session")
def kit() -> object:
    """The helpers above, for test modules (``--import-mode=importlib`` cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        TERRITORIES=TERRITORIES,
        ANGRY=ANGRY,
        scenario=scenario,
        produce_mentions=produce_mentions,
        produce_raw=produce_raw,
        consume_until=consume_until,
        read_all=read_all,
        scored_records=scored_records,
    )
