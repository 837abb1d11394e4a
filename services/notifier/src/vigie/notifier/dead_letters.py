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
from vigie.schemas import DeadLetter, ErrorClass

log = logging.getLogger(__name__)

#: Characters of an exception's message kept in the dead letter's reason.
MAX_MESSAGE_CHARS = 1000


def describe_failure(exc: BaseException) -> str:
    """``"<ErrorClass>: <message>"``, bounded; never raises (a message that cannot be shown is named so)."""
    try:
        message = str(exc)
    except Exception:  # a hostile __str__, or an int too long to print
        message = "(message could not be rendered)"
    return f"{type(exc).__name__}: {message[:MAX_MESSAGE_CHARS]}"


async def dead_letter_record(
    sink: LogSink,
    metrics: NotifierMetrics,
    *,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    error_class: ErrorClass,
    reason: str,
    service: str,
    failed_at: datetime,
    what: str,
) -> None:
    """Write the dead letter of one consumed record (``what`` names the payload in the log: "alert", "digest")."""
    dead = DeadLetter.for_record(
        topic=topic,
        partition=partition,
        offset=offset,
        key=key,
        value=value,
        error_class=error_class,
        reason=reason,
        service=service,
        failed_at=failed_at,
    )
    await retry_write(lambda: sink.write_dead_letter(dead))
    metrics.deadletters.labels(error_class).inc()
    log.warning(
        f"{what} dead-lettered",
        extra={"error_class": error_class, "reason": reason[:300], "partition": partition, "offset": offset},
    )
