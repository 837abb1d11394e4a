"""Dead letters: records a service could not process, with the reason, so nothing is silently lost."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from vigie.schemas._base import Contract, ShortText

ErrorClass = Literal["decode", "validation", "oversize", "processing", "delivery"]

#: Bytes of the original key and value kept in the preview.
PREVIEW_BYTES = 1024


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
    reason: Annotated[str, Field(max_length=4000)]
    service: ShortText
    failed_at: AwareDatetime

    @staticmethod
    def preview(data: bytes | None) -> str | None:
        """A bounded, always-printable preview of raw bytes."""
        if data is None:
            return None
        return data[:PREVIEW_BYTES].decode("utf-8", errors="backslashreplace")
