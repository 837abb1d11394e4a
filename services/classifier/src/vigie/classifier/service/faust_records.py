"""The one place that turns a faust event into an :class:`InboundRecord` (the pure steps never see faust)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigie.classifier.service.records import InboundRecord


def _headers(raw: Any) -> Sequence[tuple[str, bytes]]:
    if not raw:
        return ()
    if isinstance(raw, Mapping):
        return tuple((str(k), bytes(v)) for k, v in raw.items() if v is not None)
    return tuple((str(k), bytes(v)) for k, v in raw if v is not None)


def inbound(event: Any) -> InboundRecord:
    """The record behind a faust event (raw key and value bytes: the topics use the ``raw`` codec)."""
    message = event.message
    return InboundRecord(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        headers=_headers(message.headers),
        timestamp=message.timestamp,
    )
