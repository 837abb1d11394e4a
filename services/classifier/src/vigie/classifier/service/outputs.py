"""What both agents emit and acknowledge: records through the bulk producer, dead letters with their log line
and metric, and input messages acknowledged to faust (never one fetched before the latest rebalance)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import faust
from faust.types import Message

from vigie.classifier.metrics import ClassifierMetrics
from vigie.classifier.service.bulk_producer import BulkProducer
from vigie.schemas import DEADLETTER, DeadLetter, encode
from vigie.schemas.codec import EncodedRecord

log = logging.getLogger(__name__)

#: CloudEvents source of every record the classifier produces.
SOURCE = "/vigie/classifier"


class Outputs:
    """The agents' way out (see the module)."""

    def __init__(self, app: faust.App, bulk: BulkProducer, metrics: ClassifierMetrics) -> None:
        self._app = app
        self._bulk = bulk
        self._metrics = metrics

    async def publish(self, records: Sequence[EncodedRecord]) -> None:
        """Send and wait for every acknowledgement (the batch is acked to faust only after this). Through the
        bulk producer, partitioned by key (faust's own producer, in records of one with ``tansu_compat``, sends
        each record through several layers)."""
        await self._bulk.send_all(records, [None] * len(records))

    async def publish_dead_letters(self, dead_letters: Sequence[DeadLetter]) -> None:
        for item in dead_letters:
            self._metrics.deadletters.labels(reason=item.error_class).inc()
            log.warning(
                "dead-lettered a record",
                extra={
                    "topic": item.topic,
                    "partition": item.partition,
                    "offset": item.offset,
                    "error_class": item.error_class,
                    "reason": item.reason[:300],
                },
            )
        await self.publish([encode(DEADLETTER, item, source=SOURCE) for item in dead_letters])

    def acknowledge(self, message: Message) -> None:
        """Let faust commit the message's offset. A message fetched before the latest rebalance is never
        acknowledged (faust's own streams skip such messages likewise): its partition was revoked since, and its
        offset, committed now, would be the new assignment's. After the broker lost everything, that offset of
        the old log would sit far beyond the new log's end, and the partition's next reader would wait there for
        ever (the new assignment re-reads from the committed offset anyway)."""
        app = self._app
        if message.generation_id != app.consumer_generation_id:
            return
        if message.ack(app.consumer):
            app.sensors.on_message_out(message.tp, message.offset, message)
