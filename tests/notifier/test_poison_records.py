"""One hostile record on ``vigie.alerts.v1`` (or ``vigie.digests.v1``, or in the notification log replayed
at start-up) fails only itself: against the real broker, poison records
(nesting that exhausts a recursive parser, a 5,000-digit number, a lone surrogate) around valid alerts.
Every valid alert is delivered, every poison record is in ``vigie.deadletter.v1`` with its reason, the
offsets move past all of them and the service stays up and ready."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client import CollectorRegistry

from tests.support.kafka import kafka_settings, read_topic
from tests.support.notifier import SmtpServer, email_receiver, make_alert
from tests.support.waiting import eventually
from vigie.notifier.routes_config import parse_routes
from vigie.notifier.service import NotifierService
from vigie.notifier.settings import NotifierSettings
from vigie.runtime.clock import FakeClock
from vigie.schemas import ALERTS, DEADLETTER, DELIVERIES, DIGESTS, encode

pytestmark = pytest.mark.broker


def surrogate_alert() -> bytes:
    """An alert whose territory name holds a lone surrogate (JSON allows ``\\ud800``; UTF-8 does not)."""
    data = json.loads(make_alert(0).model_dump_json())
    data["territory_name"] = "Nice \ud800"
    return json.dumps(data).encode()  # ensure_ascii: the surrogate travels as the escape \ud800


POISON: dict[str, bytes] = {
    "lone-surrogate": surrogate_alert(),
    "open-arrays": b"[" * 2000,
    "closed-arrays": b"[" * 2000 + b"]" * 2000,
    "nested-objects": b'{"a":' * 3000 + b"1" + b"}" * 3000,
    "huge-integer": b"9" * 5000,
    "huge-integer-field": b'{"event_id": "x", "sequence": ' + b"9" * 5000 + b"}",
    "not-json": b"{not json",
    "tombstone-like": b"",
}


async def committed(bootstrap: str, group: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return sum([await consumer.committed(TopicPartition(ALERTS, p)) or 0 for p in range(3)])
    finally:
        await consumer.stop()


async def test_poison_records_fail_only_themselves(kafka: Any, unique: str, smtp: SmtpServer, tmp_path: Path) -> None:
    bootstrap = kafka.bootstrap_servers
    group = f"notifier-{unique}"
    config = parse_routes(
        "route:\n  receiver: mairie\n  group_wait: 0s\n  group_interval: 1s\nreceivers:\n"
        + email_receiver("mairie", smtp.inbox.port, extra="    digest: {period: day, at: '08:00', territories: [x]}\n")
    )
    settings = NotifierSettings(
        kafka=kafka_settings(bootstrap),
        group_id=group,
        commit_interval_s=0.2,
        api_enabled=False,
        chart_processes=0,
        digest_render_processes=0,
    )
    registry = CollectorRegistry()
    service = NotifierService(settings, config, registry=registry)
    valid = [make_alert(0, severity="critical", incident=f"saint-malo:negative_surge:{unique}:{i}") for i in range(3)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    for value in POISON.values():  # the notification log is replayed at start-up: poison there too
        await producer.send_and_wait(DELIVERIES, value, key=b"poison")
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(service.run(stop, ready))
    try:
        # One partition, poison first and between the valid alerts, so each valid one waits behind poison.
        poison = [(f"{unique}:{name}".encode(), value, []) for name, value in POISON.items()]
        records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]] = []
        for i, alert in enumerate(valid):
            records.extend(poison[2 * i : 2 * i + 2])
            encoded = encode(ALERTS, alert, source="/tests")
            records.append((encoded.key, encoded.value, encoded.headers))
        records.extend(poison[2 * len(valid) :])
        for key, value, headers in records:
            await producer.send_and_wait(ALERTS, value, key=key, headers=headers, partition=0)
        for name, value in POISON.items():  # the digest pipeline reads from the beginning at every start
            await producer.send_and_wait(DIGESTS, value, key=f"{unique}:{name}".encode(), partition=0)
        await asyncio.wait_for(ready.wait(), 20)

        await eventually(lambda: len(smtp.inbox.messages) == len(valid), within=30)

        async def dead_letters() -> list[Any]:
            found = [d for d in await read_topic(bootstrap, DEADLETTER) if (d.key_preview or "").startswith(unique)]
            return found if len(found) == 2 * len(POISON) else []

        letters = await eventually(dead_letters)
        assert {d.key_preview.split(":", 1)[1] for d in letters if d.topic == DIGESTS} == set(POISON)
        dead = {d.key_preview.split(":", 1)[1]: d for d in letters if d.topic == ALERTS}
        assert set(dead) == set(POISON)
        for name, letter in dead.items():
            assert letter.service == "notifier", name
            assert letter.error_class in ("decode", "validation", "oversize"), name
            assert letter.reason, name
        assert "nesting deeper than" in dead["open-arrays"].reason

        async def all_committed() -> bool:
            return await committed(bootstrap, group) == len(records)

        await eventually(all_committed, within=10)
        assert not running.done()
        assert service.readiness() is None
        assert service.ops is not None
        async with httpx.AsyncClient(base_url=service.ops.url) as client:
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.get("/api/v1/silences")).status_code == 404  # API_ENABLED=false: not served
        assert len(smtp.inbox.messages) == len(valid)
        dead_count = sum(
            registry.get_sample_value("vigie_notifier_deadletters_total", {"reason": c}) or 0.0
            for c in ("decode", "validation", "oversize")
        )
        assert dead_count == 2 * len(POISON)
    finally:
        stop.set()
        await producer.stop()
        await asyncio.wait_for(running, 20)


def test_readiness_reports_a_stalled_or_dead_intake() -> None:
    config = parse_routes("route: {receiver: a}\nreceivers:\n" + email_receiver("a", 25))
    clock = FakeClock()
    service = NotifierService(NotifierSettings(intake_stall_s=30, api_enabled=False), config, clock=clock)
    service.replayed = service.assigned = True
    assert service.readiness() is None  # intake not started yet: nothing to judge
    service.intake_beat()
    clock.advance(30)
    assert service.readiness() is None
    clock.advance(1)
    assert service.readiness() == "alert intake made no progress for 31 s"
    service.intake_beat()
    assert service.readiness() is None
