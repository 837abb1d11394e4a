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
        book: dict[str, Any] = states.get(self.key) or {"wm": None, "due": {}}
        second = math.floor(mention.published_at.timestamp())
        watermark = second if book["wm"] is None else max(book["wm"], second)
        state, events = self.engine.observe(mention, states.get(territory_id))
        states[territory_id] = state
        due: dict[str, int] = dict(book["due"])
        self._set_due(due, territory_id, state)
        for other in sorted(t for t, at in due.items() if t != territory_id and at <= watermark):
            other_state, other_events = self.engine.advance(
                other, datetime.fromtimestamp(watermark, UTC), states.get(other)
            )
            states[other] = other_state
            events.extend(other_events)
            self._set_due(due, other, other_state)
        if watermark != book["wm"] or due != book["due"]:
            states[self.key] = {"wm": watermark, "due": due}
        return events

    def _set_due(self, due: dict[str, int], territory_id: str, state: dict[str, Any]) -> None:
        at = self.engine.resolution_due(state)
        if at is None:
            due.pop(territory_id, None)
        else:
            due[territory_id] = at
