"""The one place that turns a faust event into an :class:`InboundRecord` (the pure steps never see faust), and
holds the messages of events whose acknowledgement must wait."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from faust.types import EventT, Message

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


def hold(events: Sequence[EventT[bytes]]) -> list[Message]:
    """The events' messages, each with one extra reference: faust's own acknowledgement of the batch does not make
    their offsets committable; acknowledging each once more does. Their payload is dropped (memory): they are
    held only to be acknowledged."""
    messages = []
    for event in events:
        message = event.message
        message.incref()
        message.key = message.value = None
        messages.append(message)
    return messages
