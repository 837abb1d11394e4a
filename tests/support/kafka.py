"""Kafka-side helpers of the service tests: produce contract records (and a raw one), read a topic whole (up to
its end offsets, so without waiting for an idle fetch), the settings of a test consumer group (short session
timeouts for Tansu)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from vigie.runtime.settings import KafkaSettings
from vigie.schemas import decode, encode
from vigie.schemas._base import Contract


async def produce(bootstrap: str, topic: str, *payloads: Contract, raw: bytes | None = None) -> None:
    """Each payload encoded as its contract record on ``topic``, then ``raw`` (undecodable bytes) if given."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for payload in payloads:
            record = encode(topic, payload, source="/tests")
            await producer.send_and_wait(topic, record.value, key=record.key, headers=record.headers)
        if raw is not None:
            await producer.send_and_wait(topic, raw, key=b"broken")
    finally:
        await producer.stop()


async def read_records(bootstrap: str, topic: str, within: float = 20.0) -> list[Any]:
    """Every record of ``topic`` written before the call (aiokafka ``ConsumerRecord``), in partition order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[Any] = []
        deadline = asyncio.get_running_loop().time() + within
        pending = [tp for tp in tps if await consumer.position(tp) < ends[tp]]
        while pending:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{topic}: records up to {ends} not read within {within} s")
            for records in (await consumer.getmany(*pending, timeout_ms=200)).values():
                out.extend(records)
            pending = [tp for tp in pending if await consumer.position(tp) < ends[tp]]
        return out
    finally:
        await consumer.stop()


async def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record of ``topic`` written before the call, decoded with its contract."""
    return [decode(topic, r.value, r.headers) for r in await read_records(bootstrap, topic)]


def kafka_settings(bootstrap: str) -> KafkaSettings:
    return KafkaSettings(KAFKA_BOOTSTRAP_SERVERS=bootstrap, session_timeout_ms=2000, heartbeat_interval_ms=500)


async def read_back(bootstrap: str, topic: str, expected: int, *, timeout_s: float = 10.0) -> list[Any]:
    """Every record of ``topic`` (all partitions, no consumer group) once ``expected`` of them are there: up to
    the end offsets of that moment, so a duplicate written before them is read too."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        records = await read_records(bootstrap, topic)
        if len(records) >= expected or asyncio.get_running_loop().time() > deadline:
            return records
        await asyncio.sleep(0.05)
