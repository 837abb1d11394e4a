"""The boundary between the alerts topic and the notifier's core: one record in, one verdict out.

Decoding and routing one record can fail only that record. :meth:`AlertIntake.accept` never raises (only
cancellation goes through): a record that cannot be decoded (``DecodeError``, but also whatever a hostile
value makes a parser raise: ``RecursionError`` on ``[[[[...``, ``ValueError`` on a 5,000-digit number) or
whose routing raises (a bug met by an unusual alert) is written to ``vigie.deadletter.v1`` with the error
class and message, counted in ``vigie_notifier_deadletters_total{reason}``, and its offset is released like
any finished record, so the partition moves on and a restart never meets it again. A crash loop on one
record is impossible by construction: nothing the record contains can escape this method.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal, Protocol

from vigie.notifier.dead_letters import dead_letter_record
from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.log_sink import LogSink
from vigie.notifier.metrics import NotifierMetrics
from vigie.notifier.offsets import OffsetTracker, RecordRef
from vigie.runtime.clock import Clock, SystemClock
from vigie.schemas import (
    ALERTS,
    AlertEvent,
    ConsumedRecord,
    DeadLetterBuilder,
    DecodeError,
    ErrorClass,
    decode,
    describe_failure,
)

log = logging.getLogger(__name__)

Verdict = Literal["accepted", "dead-lettered"]


class IncomingRecord(ConsumedRecord, Protocol):
    """What intake needs of a consumed record (aiokafka's ``ConsumerRecord`` has it): its position, key and
    value, and its headers."""

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class AlertIntake:
    """Decode one alert record, hand it to the dispatcher, or dead-letter it (see the module docstring)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        tracker: OffsetTracker,
        sink: LogSink,
        metrics: NotifierMetrics,
        service: str = "notifier",
        clock: Clock | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.clock = clock or SystemClock()
        self.tracker = tracker
        self.sink = sink
        self.metrics = metrics
        self.service = service

    async def accept(self, record: IncomingRecord) -> Verdict:
        ref = RecordRef(record.topic, record.partition, record.offset)
        self.tracker.hold(ref)  # released last: the offset is committable only after the verdict is durable
        try:
            try:
                alert: AlertEvent = decode(ALERTS, record.value, record.headers or ())
            except DecodeError as exc:
                await self._dead_letter(record, exc.error_class, exc.reason)
                return "dead-lettered"
            except Exception as exc:
                await self._dead_letter(record, "decode", describe_failure(exc))
                return "dead-lettered"
            try:
                statuses = self.dispatcher.accept(alert, ref)
            except Exception as exc:
                log.exception("routing an alert failed", extra={"offset": record.offset})
                await self._dead_letter(record, "processing", describe_failure(exc))
                return "dead-lettered"
            self.metrics.alerts.labels(alert.transition).inc()
            for status in statuses.values():
                if status == "duplicate":
                    self.metrics.suppressed.labels("duplicate").inc()
            return "accepted"
        finally:
            self.tracker.release(ref)

    async def _dead_letter(self, record: IncomingRecord, error_class: ErrorClass, reason: str) -> None:
        await dead_letter_record(
            self.sink, self.metrics, DeadLetterBuilder(self.service), record, error_class, reason,
            failed_at=self.clock.now(), what="alert",
        )  # fmt: skip
