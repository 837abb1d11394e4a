"""Dead letters of the notifier: one way to describe a failure and to write, count and log the dead letter.

- :func:`dead_letter_record` — at every consumer boundary (the alert intake and the digest intake): a record
  that cannot be decoded or processed, logged without its value.
- :func:`dead_letter_delivery` — a notification or digest that could not be delivered (permanent error, or
  retries given up): its alert or digest, ``delivery`` as error class, the receiver in the reason.

Both go through :class:`~vigie.schemas.DeadLetterBuilder`; the write to ``vigie.deadletter.v1`` is retried
until the broker acknowledges it (so a record's offset is released only once its dead letter is safe), and
counted in ``vigie_notifier_deadletters_total{reason}``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from vigie.notifier.log_sink import LogSink, retry_write
from vigie.notifier.metrics import NotifierMetrics
from vigie.notifier.routes_config import Receiver
from vigie.schemas import ConsumedRecord, DeadLetterBuilder, ErrorClass

log = logging.getLogger(__name__)


async def dead_letter_record(
    sink: LogSink,
    metrics: NotifierMetrics,
    builder: DeadLetterBuilder,
    record: ConsumedRecord,
    error_class: ErrorClass,
    reason: str,
    *,
    failed_at: datetime,
    what: str,
) -> None:
    """Write the dead letter of one consumed record (``what`` names the payload in the log: "alert", "digest")."""
    dead = builder.for_record(record, error_class, reason, failed_at=failed_at)
    await retry_write(lambda: sink.write_dead_letter(dead))
    metrics.deadletters.labels(error_class).inc()
    log.warning(
        f"{what} dead-lettered",
        extra={
            "error_class": error_class,
            "reason": reason[:300],
            "partition": record.partition,
            "offset": record.offset,
        },
    )


@dataclass(frozen=True, slots=True)
class UndeliveredRecord:
    """The record a failed delivery carried (a :class:`~vigie.schemas.ConsumedRecord`): where it was read, or
    ``-1`` as partition and offset when it was not read from a partition of its own (a digest, a test)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


async def dead_letter_delivery(
    sink: LogSink,
    metrics: NotifierMetrics,
    builder: DeadLetterBuilder,
    record: UndeliveredRecord,
    receiver: Receiver,
    reason: str,
    *,
    failed_at: datetime,
) -> None:
    """Write the dead letter of a delivery to ``receiver`` that failed for good."""
    reason = f"{receiver.name} ({receiver.integration}): {reason}"
    dead = builder.for_record(record, "delivery", reason, failed_at=failed_at)
    await retry_write(lambda: sink.write_dead_letter(dead))
    metrics.deadletters.labels("delivery").inc()
