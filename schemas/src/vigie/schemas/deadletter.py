"""Dead letters: records a service could not process, with the reason, so nothing is silently lost."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from vigie.schemas._base import Contract, ShortText, Timestamp

ErrorClass = Literal["decode", "validation", "oversize", "processing", "delivery"]

#: Bytes of the original key and value kept in the preview.
PREVIEW_BYTES = 1024
#: Characters of the reason kept.
MAX_REASON_CHARS = 4000


class DeadLetter(Contract):
    """Payload of ``vigie.deadletter.v1``, keyed by the topic the record came from."""

    topic: ShortText
    partition: Annotated[int, Field(ge=-1)] = Field(description="-1 when the record never reached a topic.")
    offset: Annotated[int, Field(ge=-1)] = Field(description="-1 when the record never reached a topic.")
    key_preview: Annotated[str, Field(max_length=4 * PREVIEW_BYTES)] | None = None
    value_preview: Annotated[str, Field(max_length=4 * PREVIEW_BYTES)] = Field(
        description="The first bytes of the value, decoded as UTF-8 with backslash escapes for invalid bytes."
    )
    value_size: Annotated[int, Field(ge=0)]
    error_class: ErrorClass
    reason: Annotated[str, Field(max_length=MAX_REASON_CHARS)]
    service: ShortText
    failed_at: Timestamp

    @classmethod
    def for_record(
        cls,
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
    ) -> DeadLetter:
        """The dead letter of one record: bounded previews of its key and value, the reason cut to fit."""
        data = value or b""
        return cls(
            topic=printable(topic),
            partition=partition,
            offset=offset,
            key_preview=cls.preview(key),
            value_preview=cls.preview(data) or "",
            value_size=len(data),
            error_class=error_class,
            reason=printable(reason)[:MAX_REASON_CHARS],
            service=printable(service),
            failed_at=failed_at,
        )

    @staticmethod
    def preview(data: bytes | None) -> str | None:
        """A bounded, always-printable preview of raw bytes."""
        if data is None:
            return None
        return data[:PREVIEW_BYTES].decode("utf-8", errors="backslashreplace")


def printable(text: str) -> str:
    """``text`` with any lone surrogate written as a backslash escape, so that UTF-8 can encode it: a reason
    may quote hostile input (a field name), and a dead letter must never fail to be written."""
    if text.isascii():
        return text
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")
