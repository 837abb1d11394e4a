"""A consumed record as the pure steps see it: where it came from and its raw bytes, no faust types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vigie.schemas import DeadLetterBuilder

#: The classifier's dead letters (``service: classifier``).
DEAD_LETTERS = DeadLetterBuilder("classifier")


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """One record of a topic partition, as consumed."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = field(default=())
    #: Broker timestamp in seconds since the epoch (None when unknown).
    timestamp: float | None = None
