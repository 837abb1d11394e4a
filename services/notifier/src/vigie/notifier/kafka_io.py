"""Kafka adapters: the receipt/dead-letter producer and the replay of the notification log at start-up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from vigie.notifier.incident_history import IncidentHistory
from vigie.notifier.notification_log import NotificationLog
from vigie.schemas import (
    ALERTS,
    DEADLETTER,
    DELIVERIES,
    FEEDBACK,
    DeadLetter,
    DecodeError,
    DeliveryReceipt,
    FeedbackEvent,
    decode,
    describe_failure,
    encode,
)

log = logging.getLogger(__name__)


class KafkaLogSink:
    """Writes receipts to ``vigie.deliveries.v1`` and dead letters to ``vigie.deadletter.v1``, one awaited
    send per record (acks=all), so a receipt is on the broker before its alert's offset can be committed."""

    def __init__(self, producer: AIOKafkaProducer, source: str) -> None:
        self._producer = producer
        self._source = source

    async def write_receipt(self, receipt: DeliveryReceipt) -> None:
        record = encode(DELIVERIES, receipt, source=self._source)
        await self._producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)

    async def write_dead_letter(self, dead_letter: DeadLetter) -> None:
        record = encode(DEADLETTER, dead_letter, source=self._source)
        await self._producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)


class KafkaFeedbackSink:
    """Publishes accepted incident actions on ``vigie.feedback.v1`` (acks=all, awaited)."""

    def __init__(self, producer: AIOKafkaProducer, source: str) -> None:
        self._producer = producer
        self._source = source

    async def publish(self, event: FeedbackEvent) -> None:
        record = encode(FEEDBACK, event, source=self._source)
        await self._producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)


async def replay_notification_log(
    bootstrap_servers: str, log_: NotificationLog, idle_ms: int = 300, history: IncidentHistory | None = None
) -> int:
    """Read ``vigie.deliveries.v1`` from the beginning into ``log_`` (and the incident pages' ``history``);
    return the number of receipts. See :func:`replay_topic`."""

    def record(receipt: Any) -> None:
        log_.record(receipt)
        if history is not None:
            history.delivery(receipt)

    return await replay_topic(bootstrap_servers, DELIVERIES, record, idle_ms)


async def replay_alert_history(bootstrap_servers: str, history: IncidentHistory, idle_ms: int = 300) -> int:
    """Read ``vigie.alerts.v1`` from the beginning into the incident pages' history (its timeline and latest
    evidence), so that a page link keeps working after a restart. See :func:`replay_topic`."""
    return await replay_topic(bootstrap_servers, ALERTS, history.alert, idle_ms)


async def replay_feedback_history(bootstrap_servers: str, history: IncidentHistory, idle_ms: int = 300) -> int:
    """Read ``vigie.feedback.v1`` from the beginning into the incident pages' history (audit trail,
    acknowledgement, verdict, and the action ids that make a retried action a no-op). Call it after
    :func:`replay_alert_history`: feedback on an incident the history does not know is ignored."""
    return await replay_topic(bootstrap_servers, FEEDBACK, history.recorded, idle_ms)


async def replay_topic(bootstrap_servers: str, topic: str, on_record: Callable[[Any], None], idle_ms: int = 300) -> int:
    """Read ``topic`` from the beginning, decoding each record and passing it to ``on_record``; return the
    number of records passed.

    A record that cannot be decoded or recorded is skipped with a log line: it can never stop start-up.
    Reads until every partition reached the end offset seen at start, then until a poll of ``idle_ms``
    brings nothing more (some brokers under-report end offsets after batched produce, see BROKER.md).
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None)
    await consumer.start()
    count = 0
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            await consumer.topics()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return 0
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        reached_end = False
        while True:
            batches = await consumer.getmany(timeout_ms=idle_ms, max_records=5000)
            for records in batches.values():
                for record in records:
                    try:
                        on_record(decode(topic, record.value, record.headers))
                    except DecodeError as exc:
                        log.warning("skipping an undecodable record", extra={"topic": topic, "reason": exc.reason})
                        continue
                    except Exception as exc:  # a hostile value (RecursionError, ...) must not stop start-up
                        log.warning(
                            "skipping an unusable record", extra={"topic": topic, "reason": describe_failure(exc)}
                        )
                        continue
                    count += 1
            if not reached_end:
                positions = {tp: await consumer.position(tp) for tp in tps}
                reached_end = all(positions[tp] >= end[tp] for tp in tps)
            elif not batches:
                return count
    finally:
        await consumer.stop()
