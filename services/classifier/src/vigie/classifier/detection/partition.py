"""One driver for the mentions of one Kafka partition, shared by the classifier service and ``vigie backtest``
so that both produce exactly the same alert events for the same records.

Watermark semantics. ``vigie.mentions.scored.v1`` is keyed by territory id, so all mentions of a territory
arrive on one partition, in order. The driver processes a partition's records in offset order and keeps the
partition's *watermark*: the largest ``published_at`` seen on it. For each mention it

1. calls :meth:`DetectionEngine.observe` for the mention's territory, then
2. calls :meth:`DetectionEngine.advance` with the watermark for every *other* territory of the partition
   whose open incident is due to resolve (its quiet hold ends at or before the watermark), in territory-id
   order, so that a territory that fell silent still gets its ``resolved`` event.

The driver's own bookkeeping (watermark, resolution due times) lives in the same state mapping under
:meth:`PartitionDriver.bookkeeping_key` (not a valid territory id), so it is checkpointed with the territory
states (a faust Table in the service) and a restarted worker resumes exactly where it stopped.

``vigie backtest`` routes each record with :func:`partition_for`, Kafka's default partitioner (murmur2 of the
key bytes), over the topic's partition count: the same split the producers make.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from vigie.classifier.detection.engine import DetectionEngine
from vigie.schemas import AlertEvent, ScoredMention

_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 hash (``org.apache.kafka.common.utils.Utils.murmur2``), as an unsigned 32-bit int."""
    length = len(data)
    m = 0x5BD1E995
    h = (0x9747B28C ^ length) & _MASK
    for offset in range(0, length - length % 4, 4):
        k = int.from_bytes(data[offset : offset + 4], "little")
        k = (k * m) & _MASK
        k ^= k >> 24
        k = (k * m) & _MASK
        h = ((h * m) & _MASK) ^ k
    tail = length - length % 4
    extra = length % 4
    if extra >= 3:
        h ^= data[tail + 2] << 16
    if extra >= 2:
        h ^= data[tail + 1] << 8
    if extra >= 1:
        h ^= data[tail]
        h = (h * m) & _MASK
    h ^= h >> 13
    h = (h * m) & _MASK
    h ^= h >> 15
    return h


def partition_for(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner gives a record keyed ``key``."""
    return (murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions


class PartitionDriver:
    """Runs the engine over one partition's mentions in order (see the module docstring for the semantics)."""

    def __init__(self, engine: DetectionEngine, partition: int) -> None:
        self.engine = engine
        self.partition = partition
        self.key = self.bookkeeping_key(partition)
        #: The bookkeeping's ``due`` dict and its earliest time, see :meth:`_earliest`.
        self._min: tuple[dict[str, int], float] | None = None

    @staticmethod
    def bookkeeping_key(partition: int) -> str:
        """Key of the driver's bookkeeping in the state mapping (never a territory id: those are slugs)."""
        return f"_partition:{partition}"

    def on_mention(self, mention: ScoredMention, states: MutableMapping[str, Any]) -> list[AlertEvent]:
        """Process the next mention of the partition; returns the alert events in order.

        ``states`` maps territory ids to engine states (and holds the bookkeeping). Raises
        :class:`~vigie.classifier.detection.UnknownTerritoryError` (nothing changed) for an unknown territory.
        """
        territory_id = mention.territory_id
        self.engine.territory(territory_id)
        book: dict[str, Any] | None = states.get(self.key)
        previous = None if book is None else book["wm"]
        second = math.floor(mention.published_at.timestamp())
        watermark = second if previous is None else max(previous, second)
        state, events = self.engine.observe(mention, states.get(territory_id))
        states[territory_id] = state
        changed = book is None or watermark != previous
        if book is None:
            book = {"wm": watermark, "due": {}}
        book["wm"] = watermark
        due: dict[str, int] = book["due"]
        changed |= self._set_due(due, territory_id, state)
        # Most mentions find no other territory due: the earliest due time (kept up to date, not rescanned)
        # says so without looking at every open incident of the partition.
        if self._earliest(due) <= watermark:
            for other in sorted(t for t, at in due.items() if t != territory_id and at <= watermark):
                other_state, other_events = self.engine.advance(
                    other, datetime.fromtimestamp(watermark, UTC), states.get(other)
                )
                states[other] = other_state
                events.extend(other_events)
                changed |= self._set_due(due, other, other_state)
        if changed:
            states[self.key] = book
        return events

    def _set_due(self, due: dict[str, int], territory_id: str, state: dict[str, Any]) -> bool:
        """Record when ``territory_id``'s open incident is due to resolve (none: no entry); True if it changed."""
        at = self.engine.resolution_due(state)
        old = due.get(territory_id)
        if at == old:
            return False
        if at is None:
            del due[territory_id]
        else:
            due[territory_id] = at
        if self._min is not None and self._min[0] is due:
            earliest = self._min[1]
            if at is not None and at < earliest:
                self._min = (due, at)
            elif old is not None and old <= earliest:
                self._min = None  # the earliest entry moved later or left: found again when next asked
        return True

    def _earliest(self, due: dict[str, int]) -> float:
        """The earliest due time in ``due`` (inf: none), cached for this very dict (kept referenced, so that
        another dict cannot be mistaken for it)."""
        if self._min is None or self._min[0] is not due:
            self._min = (due, min(due.values(), default=math.inf))
        return self._min[1]
