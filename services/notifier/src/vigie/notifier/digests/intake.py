"""The consumer of ``vigie.digests.v1``: its own consumer group (``<group_id>-digests``), separate from the
alerts' consumer, feeding the :class:`~vigie.notifier.digests.store.DigestStore`.

The store is memory: on every assignment the consumer reads its partitions from the beginning (the topic
keeps 30 days of digests, a few thousand records for a hundred territories) and it never commits offsets.
``ready`` is set once every assigned partition reached the end offset seen at assignment and a poll brought
nothing more (end offsets alone may be under-reported, see BROKER.md): the store has caught up, so the
deliverer never sends a version of a digest that a later record replaces. A record that cannot be decoded
(whatever the exception) is dead-lettered and fails only itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from vigie.notifier.dead_letters import dead_letter_record
from vigie.notifier.digests.store import DigestStore
from vigie.notifier.log_sink import LogSink
from vigie.notifier.metrics import NotifierMetrics
from vigie.runtime.clock import Clock
from vigie.schemas import DIGESTS, DeadLetterBuilder, DecodeError, DigestEvent, ErrorClass, decode, describe_failure

log = logging.getLogger(__name__)
#: Digests of periods that ended longer ago than this are forgotten.
KEEP = timedelta(days=15)


class _Rebuild(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, intake: DigestIntake) -> None:
        self._intake = intake

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self._intake.store.forget_partitions({tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._intake.caught_up = False
        if assigned:
            await self._intake.consumer.seek_to_beginning(*assigned)
            self._intake.targets = await self._intake.consumer.end_offsets(assigned)


class DigestIntake:
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        store: DigestStore,
        sink: LogSink,
        clock: Clock,
        metrics: NotifierMetrics,
        on_digest: Callable[[], None],
        service: str = "notifier",
    ) -> None:
        self.consumer = consumer
        self.store = store
        self.sink = sink
        self.clock = clock
        self.metrics = metrics
        self.on_digest = on_digest
        self.service = service
        self.caught_up = False
        self.ready = asyncio.Event()
        #: End offsets of the assigned partitions when they were assigned.
        self.targets: dict[TopicPartition, int] = {}

    def subscribe(self) -> None:
        self.consumer.subscribe([DIGESTS], listener=_Rebuild(self))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batches = await self.consumer.getmany(timeout_ms=200, max_records=500)
            for tp, records in batches.items():
                for record in records:
                    await self._accept(tp, record)
            if batches:
                self.store.prune(self.clock.now() - KEEP)
                self.metrics.digests_known.set(len(self.store))
                self.on_digest()
            elif not self.caught_up and await self._reached_targets():
                self.caught_up = True
                self.ready.set()
                log.info("digest store caught up", extra={"digests": len(self.store)})

    async def _reached_targets(self) -> bool:
        assignment = self.consumer.assignment()
        if not assignment:
            return False
        for tp in assignment:
            if await self.consumer.position(tp) < self.targets.get(tp, 0):
                return False
        return True

    async def _accept(self, tp: TopicPartition, record: Any) -> None:
        """Decode and store one digest; whatever that raises fails only this record (dead-lettered, like
        :class:`~vigie.notifier.alert_intake.AlertIntake`), never the digest pipeline or the notifier."""
        try:
            digest: DigestEvent = decode(DIGESTS, record.value, record.headers or ())
        except DecodeError as exc:
            await self._dead_letter(tp, record, exc.error_class, exc.reason)
            return
        except Exception as exc:  # RecursionError, ValueError, ... from a hostile value
            await self._dead_letter(tp, record, "decode", describe_failure(exc))
            return
        try:
            self.store.put(digest, tp.partition)
        except Exception as exc:
            log.exception("storing a digest failed", extra={"offset": record.offset})
            await self._dead_letter(tp, record, "processing", describe_failure(exc))
            return
        self.metrics.digest_events.labels(digest.period).inc()

    async def _dead_letter(self, tp: TopicPartition, record: Any, error_class: ErrorClass, reason: str) -> None:
        await dead_letter_record(
            self.sink, self.metrics, DeadLetterBuilder(self.service), record, error_class, reason,
            failed_at=self.clock.now(), what="digest",
        )  # fmt: skip
