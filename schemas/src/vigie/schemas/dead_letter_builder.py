"""One way for every service to turn a record it cannot use into a ``vigie.deadletter.v1`` record.

A consumed record becomes one :class:`~vigie.schemas.DeadLetter` naming where it was (topic, partition,
offset), bounded previews of its key and value, the error class and the reason in words. The reason of an
exception is ``"<ExceptionType>: <message>"``, bounded, and never raises: an exception is as untrusted as the
record that caused it. Dead letters are never retried: the stream moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from vigie.schemas.deadletter import DeadLetter, ErrorClass
from vigie.schemas.errors import DecodeError

#: Characters of an exception's message kept in a reason.
MAX_MESSAGE_CHARS = 1000


class ConsumedRecord(Protocol):
    """What a dead letter needs of a consumed record (aiokafka's ``ConsumerRecord`` has it)."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...


def describe_failure(error: BaseException) -> str:
    """``"<ExceptionType>: <message>"``, the message cut to :data:`MAX_MESSAGE_CHARS`; never raises (a message
    that cannot be rendered, from a hostile ``__str__`` or an int too long to print, is named so)."""
    try:
        message = str(error)
    except Exception:
        message = "(message could not be rendered)"
    return f"{type(error).__name__}: {message[:MAX_MESSAGE_CHARS]}"


@dataclass(frozen=True)
class DeadLetterBuilder:
    """The dead letters of one ``service``; ``failed_at`` is always injected (processing time of the failure)."""

    service: str

    def for_record(
        self, record: ConsumedRecord, error_class: ErrorClass, reason: str, *, failed_at: datetime
    ) -> DeadLetter:
        """The dead letter of ``record`` with the given class and reason."""
        return DeadLetter.for_record(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            error_class=error_class,
            reason=reason,
            service=self.service,
            failed_at=failed_at,
        )

    def for_decode_error(self, record: ConsumedRecord, error: DecodeError, *, failed_at: datetime) -> DeadLetter:
        """The dead letter of a record the codec rejected (its error class and reason are kept)."""
        return self.for_record(record, error.error_class, error.reason, failed_at=failed_at)

    def for_undecodable(self, record: ConsumedRecord, error: Exception, *, failed_at: datetime) -> DeadLetter:
        """The dead letter of a record whose decoding raised something else than a :class:`DecodeError` (a value
        that breaks the parser: deep nesting, a huge number): ``decode``, like any undecodable value."""
        return self.for_record(record, "decode", f"undecodable value: {describe_failure(error)}", failed_at=failed_at)

    def for_processing_error(
        self, record: ConsumedRecord, error: Exception, *, failed_at: datetime, stage: str | None = None
    ) -> DeadLetter:
        """The dead letter of a valid record that processing could not handle (``stage``: which step failed, at
        the head of the reason)."""
        reason = describe_failure(error) if stage is None else f"{stage}: {describe_failure(error)}"
        return self.for_record(record, "processing", reason, failed_at=failed_at)
