"""Dead letters of consumed records: one way to describe a failure and to write, count and log the dead letter.

Used by every consumer boundary of the notifier (the alert intake and the digest intake): a record that cannot
be decoded or processed is written to ``vigie.deadletter.v1`` with its error class and reason (the write is
retried until the broker acknowledges it, so the record's offset is released only once its dead letter is
safe), counted in ``vigie_notifier_deadletters_total{reason}`` and logged without its value.
"""

from __future__ import annotations

import logging
from datetime import datetime

from vigie.notifier.engine import LogSink, retry_write
from vigie.notifier.metrics import NotifierMetrics
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
