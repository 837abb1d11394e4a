"""A batching producer for the scored mentions, started and stopped with the faust worker.

The scored mentions are the classifier's bulk output (one record per mention), and the detector table's
changelog the largest after them (:mod:`vigie.classifier.service.changelog`). Faust's own producer sends
records one by one through several layers and, against Tansu, must use batches of one record
(``tansu_compat``); this plain aiokafka producer batches them instead (acks=all, no idempotence: Tansu
rejects it). Every acknowledgement of a batch arrives before faust may commit the batch's
input offsets: ``send_all`` waits for them; ``submit_all`` returns their future, so that the scoring agent
can score its next batch meanwhile (see :mod:`vigie.classifier.service.deliveries`).

Records whose partition is known are appended to record batches built here (one per topic partition, in
order) and submitted whole with ``send_batch``: one future per batch instead of a coroutine, a future and
an accumulator look-up per record (half the producing CPU per record). Records left to the partitioner
(partition None) go through ``send``, ahead of the batches: order is kept among the records sent to one
given partition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from mode import Service

from vigie.classifier.settings import ClassifierSettings
from vigie.schemas.codec import EncodedRecord


class BulkProducer(Service):
    """Sends batches of encoded records and waits until the broker has them all."""

    def __init__(self, settings: ClassifierSettings) -> None:
        super().__init__()
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()

    async def _ready_producer(self) -> AIOKafkaProducer:
        """The producer, started on first use (the agents may run before this service's ``on_start``)."""
        async with self._starting:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._settings.kafka.bootstrap_servers,
                    client_id=f"{self._settings.app_id}-bulk",
                    acks="all",
                    linger_ms=2,
                    max_batch_size=256 * 1024,
                )
                await producer.start()
                self._producer = producer
            return self._producer

    async def on_start(self) -> None:
        await self._ready_producer()

    async def on_stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def send_all(self, records: Sequence[EncodedRecord], partitions: Sequence[int | None]) -> None:
        """Send every record (to its partition, None = by key) and wait for all the acknowledgements."""
        delivery = await self.submit_all(records, partitions)
        await delivery

    async def submit_all(
        self, records: Sequence[EncodedRecord], partitions: Sequence[int | None]
    ) -> asyncio.Future[list[Any]]:
        """Hand every record to the producer (to its partition, None = by key) and return, without waiting for
        the broker, the future of all their acknowledgements. Waits only while the producer's buffer is full."""
        if not records:
            return _done()
        producer = await self._ready_producer()
        pending: list[Any] = []
        batches: dict[tuple[str, int], list[Any]] = {}
        for record, partition in zip(records, partitions, strict=True):
            if partition is None:
                pending.append(await producer.send(record.topic, record.value, key=record.key, headers=record.headers))
                continue
            builders = batches.setdefault((record.topic, partition), [])
            if (
                not builders
                or builders[-1].append(timestamp=None, key=record.key, value=record.value, headers=record.headers)
                is None
            ):
                builder = producer.create_batch()
                # an empty batch takes any one record, however large
                builder.append(timestamp=None, key=record.key, value=record.value, headers=record.headers)
                builders.append(builder)
        for (topic, partition), builders in batches.items():
            for builder in builders:
                builder.close()  # complete: sent without waiting for linger_ms
                pending.append(await producer.send_batch(builder, topic, partition=partition))
        return asyncio.gather(*pending)


def _done() -> asyncio.Future[list[Any]]:
    future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
    future.set_result([])
    return future
