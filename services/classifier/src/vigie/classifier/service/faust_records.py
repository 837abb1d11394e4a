"""The one place that turns a faust event into an :class:`InboundRecord` (the pure steps never see faust),
holds the messages of events whose acknowledgement must wait, and takes the agents' streams in batches."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, cast

import faust
from faust.types import TP, EventT, Message

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


def event_batches(stream: faust.StreamT[bytes], size: int, within: float) -> AsyncIterator[Sequence[EventT[bytes]]]:
    """Batches of events (not just values: the pure steps need partition, offset and headers), acked by
    faust once the agent has processed the batch."""
    return cast("faust.Stream[bytes]", stream).take_events(size, within=within)


def freeze_long_lived() -> None:
    """What is alive when an agent starts (faust, the models, the territories) lives as long as the worker:
    frozen out of the cyclic collector's sight, it is not rescanned by every full collection that the
    batches' garbage triggers (scoring 40k mentions: 14 full collections of ~120 ms, 2.5 s of GC in all,
    against 0.6 s frozen)."""
    gc.collect()
    gc.freeze()


def last_fetched_end(consumer: Any, topic: str, partition: int) -> int | None:
    """The partition's log end as the consumer's last fetch saw it (None when it has none yet)."""
    try:
        value = consumer.highwater(TP(topic, partition))
    except Exception:
        return None
    return int(value) if value is not None else None
