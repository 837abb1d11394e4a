"""Which offsets may be committed: a record is finished when nothing holds it any more (pure).

A record is held while it is being decoded and routed, by every notification that still has to deliver
its content (including the later notification it was folded into), and by an escalation timer that may
still fire for it. The committable offset of a partition is the first offset still held (or one past the
last record seen): offsets are committed only after delivery, suppression or dead-lettering.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RecordRef:
    topic: str
    partition: int
    offset: int


class OffsetTracker:
    def __init__(self) -> None:
        self._holds: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
        self._next: dict[tuple[str, int], int] = {}
        self._committed: dict[tuple[str, int], int] = {}

    def hold(self, record: RecordRef) -> None:
        key = (record.topic, record.partition)
        holds = self._holds[key]
        holds[record.offset] = holds.get(record.offset, 0) + 1
        self._next[key] = max(self._next.get(key, 0), record.offset + 1)

    def release(self, record: RecordRef) -> None:
        holds = self._holds[(record.topic, record.partition)]
        count = holds.get(record.offset, 0) - 1
        if count > 0:
            holds[record.offset] = count
        else:
            holds.pop(record.offset, None)

    def held(self) -> int:
        """Records not finished yet."""
        return sum(len(h) for h in self._holds.values())

    def committable(self) -> dict[tuple[str, int], int]:
        """Offsets to commit (next offset to read) for the partitions that moved since the last call."""
        out: dict[tuple[str, int], int] = {}
        for key, next_offset in self._next.items():
            holds = self._holds.get(key)
            offset = min(holds) if holds else next_offset
            if self._committed.get(key) != offset:
                out[key] = offset
        return out

    def committed(self, offsets: dict[tuple[str, int], int]) -> None:
        self._committed.update(offsets)

    def position(self, topic: str, partition: int) -> int | None:
        """The last committed offset of a partition (None before the first commit)."""
        return self._committed.get((topic, partition))

    def forget(self, topic: str, partition: int) -> None:
        """A partition was revoked: its holds no longer matter to this process."""
        key = (topic, partition)
        self._holds.pop(key, None)
        self._next.pop(key, None)
        self._committed.pop(key, None)
