"""A real worker fed hostile raw records among valid ones on the same partition: each hostile record is a dead
letter, every valid one is scored, offsets are committed only past processed records, and the worker stays
alive and ready (it never crashes an agent over a record)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from vigie.schemas import DEADLETTER, MENTIONS_RAW, MENTIONS_SCORED, DeadLetter, RawMention, encode

pytestmark = pytest.mark.broker


async def _produce(bootstrap: str, values: list[bytes]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        for value in values:
            await producer.send(MENTIONS_RAW, value, key=b"nice")
        await producer.flush()
    finally:
        await producer.stop()


async def _committed(bootstrap: str, group: str, topic: str) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in range(3)}
    finally:
        await consumer.stop()


def test_records_that_break_the_parser_are_dead_letters_and_no_valid_mention_is_lost(
    kafka, start_worker, unique, kit
) -> None:
    app_id = f"vigie-classifier-{unique}"
    worker = start_worker(kafka.bootstrap_servers, app_id=app_id)
    mentions: list[RawMention] = [
        m.model_copy(update={"mention_id": f"{m.mention_id}-{unique}"})
        for m in kit.scenario(["nice"], "nice", hours=40, per_hour=12, crisis_mentions=0)[:400]
    ]
    assert len(mentions) == 400
    values = [encode(MENTIONS_RAW, m, source="/tests").value for m in mentions]
    huge = values[0].decode().replace('"followers":', '"followers":' + "9" * 5000 + ',"x":', 1).encode()
    values.insert(26, b"[" * 2000)
    values.insert(300, huge)
    worker.wait_ready()
    asyncio.run(_produce(kafka.bootstrap_servers, values))

    scored = kit.read_all(kafka.bootstrap_servers, [MENTIONS_SCORED], len(mentions))
    assert len(scored) == len(mentions)
    dead = [DeadLetter.model_validate_json(r.value) for r in kit.read_all(kafka.bootstrap_servers, [DEADLETTER], 2)]
    assert sorted((d.offset, d.error_class) for d in dead) == [(26, "decode"), (300, "decode")]
    assert httpx.get(f"{worker.url}/readyz", timeout=2).status_code == 200
    assert httpx.get(f"{worker.url}/healthz", timeout=2).status_code == 200
    assert worker.metric("vigie_classifier_record_failures_total", stage="decode") == 0  # decode: dead letters
    assert worker.terminate() == 0
    committed = asyncio.run(_committed(kafka.bootstrap_servers, app_id, MENTIONS_RAW))
    raw_partition = scored[0].partition  # co-partitioned: the raw records of "nice" are on the same number
    assert committed[raw_partition] == len(values)
    assert "Traceback" not in worker.log()
