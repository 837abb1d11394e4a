"""What the classifier sends to ``vigie.deadletter.v1`` when a record cannot be processed.

Every permanent failure (a record that is not UTF-8 JSON, not a valid mention, too large, or that the
scoring code rejects) becomes one :class:`~vigie.schemas.DeadLetter` naming where the record was (topic,
partition, offset), a bounded preview of its bytes, the error class and the reason in words.
Dead letters are never retried: the stream moves on.
"""

from __future__ import annotations

from datetime import datetime

from vigie.classifier.service.records import InboundRecord
from vigie.schemas import DeadLetter, DecodeError, ErrorClass

SERVICE = "classifier"


def dead_letter(record: InboundRecord, error_class: ErrorClass, reason: str, *, failed_at: datetime) -> DeadLetter:
    """A dead letter for ``record``; ``failed_at`` is injected (processing time of the failure)."""
    return DeadLetter.for_record(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        error_class=error_class,
        reason=reason,
        service=SERVICE,
        failed_at=failed_at,
    )


def from_decode_error(record: InboundRecord, error: DecodeError, *, failed_at: datetime) -> DeadLetter:
    """The dead letter of a record the codec rejected (its error class and reason are kept)."""
    return dead_letter(record, error.error_class, error.reason, failed_at=failed_at)


def from_decode_failure(record: InboundRecord, error: Exception, *, failed_at: datetime) -> DeadLetter:
    """The dead letter of a record whose decoding raised something else than a :class:`DecodeError` (a value
    that breaks the parser: deep nesting, a huge number): ``decode``, like any undecodable value."""
    return dead_letter(record, "decode", f"undecodable value: {_describe(error)}", failed_at=failed_at)


def from_processing_error(
    record: InboundRecord, error: Exception, *, failed_at: datetime, stage: str | None = None
) -> DeadLetter:
    """The dead letter of a valid record that the scoring or detection code could not process (``stage``: which
    step failed, at the head of the reason)."""
    reason = _describe(error) if stage is None else f"{stage}: {_describe(error)}"
    return dead_letter(record, "processing", reason, failed_at=failed_at)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {_message(error)}"[:2000]


def _message(error: BaseException) -> str:
    """``str(error)``, or what can be said when even that fails (an exception is as untrusted as its record)."""
    try:
        return str(error)
    except Exception:
        return "(message unavailable)"
