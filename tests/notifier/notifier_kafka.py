"""Kafka-side helpers of the notifier's service tests: read a topic whole, poll a condition, the settings of
a test consumer group (short session timeouts for Tansu)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from vigie.runtime.settings import KafkaSettings
from vigie.schemas import decode


async def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record of ``topic``, decoded with its contract."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        out: list[Any] = []
        while batch := await consumer.getmany(timeout_ms=300):
            for records in batch.values():
                out.extend(decode(topic, r.value, r.headers) for r in records)
        return out
    finally:
        await consumer.stop()


async def eventually(check: Callable[[], Any], within: float = 20.0) -> Any:
    """The first true result of ``check`` (a function or a coroutine function), polled until ``within`` s."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def kafka_settings(bootstrap: str) -> KafkaSettings:
    return KafkaSettings(KAFKA_BOOTSTRAP_SERVERS=bootstrap, session_timeout_ms=2000, heartbeat_interval_ms=500)
