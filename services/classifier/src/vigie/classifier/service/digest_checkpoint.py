"""The territory digests in the detection agent, checkpointed with the detector state; pure Python.

Each input partition of ``vigie.mentions.scored.v1`` has one digest accumulator
(:class:`~vigie.digest.DigestStreamStep`), fed record by record the mentions the detection step
*counted* (in offset order, at their detection time: replayed, duplicate, undecodable and unknown-territory
records are not counted) and the alert events it emitted for each. It is persisted in the detector table through the same batch view, hence the
same redo/undo protocol (:mod:`vigie.classifier.service.checkpoint`): its entries are written with the
checkpoint window's last offset and their base, *before* the partition's commit record. After a crash,
the restored accumulator is exactly the one of the last committed window, and the records after it are
re-applied on it: no period loses or double-counts a mention, and a digest published by a batch whose
window was never committed is published again, identical (same ``digest_id``: consumers deduplicate).

Entries, so that a checkpoint rewrites only what its window changed (cost proportional to the territories
it touched, like the detector states; zlib-compressed by the checkpoint):

* ``_digest:<partition>`` — the watermark, the incident ledger and the ids of the partition's territories
  (the table is not enumerable per partition), written by every checkpoint whose window applied a record;
* ``_digest:<partition>:<territory>`` — one territory's open periods, last summaries and theme baselines,
  written by the checkpoints whose window counted one of its mentions or closed one of its periods.

The accumulator lives in memory between batches; it is trusted only while it reflects what the partition's
open window has applied (same offset). Otherwise (start, restart, a partition coming back after a
rebalance, a window abandoned or never persisted) it is rebuilt from the table first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from vigie.classifier.service.checkpoint import BatchView, Deferred
from vigie.digest import DigestStreamStep
from vigie.digest.accumulator import STATE_VERSION
from vigie.schemas import AlertEvent, DigestEvent, ScoredMention

log = logging.getLogger(__name__)

#: Every digest entry's key starts with it (never a territory slug).
DIGEST_KEY_PREFIX = "_digest:"


def meta_key(partition: int) -> str:
    """Key of a partition's digest watermark, incidents and territory list (never a territory slug)."""
    return f"{DIGEST_KEY_PREFIX}{partition}"


def territory_key(partition: int, territory_id: str) -> str:
    return f"{DIGEST_KEY_PREFIX}{partition}:{territory_id}"


class CheckpointedDigests:
    """A :class:`DigestStreamStep` whose per-partition state is read from and written to a batch view."""

    def __init__(self, step: DigestStreamStep) -> None:
        self.step = step
        #: Partition -> input offset of the committed state the in-memory accumulator holds.
        self._applied: dict[int, int] = {}
        #: Partition -> territories whose digest state changed in the open window.
        self._changed: dict[int, set[str]] = {}
        #: Partitions whose checkpointed digest state could not be read (they started afresh).
        self.restore_failures = 0

    def begin(self, partition: int, view: BatchView) -> None:
        """Before a batch of a partition: make the accumulator reflect what ``view`` has applied (restored from
        the table otherwise). A state that cannot be read (corrupt entries) is dropped: the partition's digests
        start afresh rather than stop the detection (``restore_failures`` counts it)."""
        if self._applied.get(partition) == view.applied_offset:
            return
        try:
            self._restore(partition, view)
        except Exception:
            log.exception(
                "the digest state of a partition could not be restored: its digests start afresh",
                extra={"partition": partition},
            )
            self.restore_failures += 1
            self.step.forget(partition)
        self._applied[partition] = view.applied_offset

    def add(self, partition: int, mention: ScoredMention | None, alerts: Sequence[AlertEvent]) -> list[DigestEvent]:
        """Count one record of the partition: the mention detection counted (None: none) and the alert events
        detection emitted for it; returns the digests it closed (do not modify the list). The territories it
        changes are staged in the view by :meth:`stage`."""
        digests = self.step.process_one(partition, mention, alerts)
        if mention is not None or digests:
            changed = self._changed.get(partition)
            if changed is None:
                changed = self._changed[partition] = set()
            if mention is not None:
                changed.add(mention.territory_id)
            if digests:
                changed.update(digest.territory_id for digest in digests)
        return digests

    @property
    def late_mentions(self) -> int:
        """Mentions counted in no digest because their periods had closed, since this object was made."""
        return self.step.late_mentions

    def end(self, partition: int, last_offset: int) -> None:
        """After a batch of a partition whose records up to ``last_offset`` were added."""
        self._applied[partition] = last_offset

    def stage(self, partition: int, view: BatchView) -> None:
        """Stage the entries the window's batches changed in ``view`` (the caller then persists
        ``view.writes()``, after publishing the digests)."""
        accumulator = self.step.accumulator(partition)
        for territory_id in sorted(self._changed.pop(partition, ())):
            state = accumulator.states.get(territory_id)
            if state is not None:
                view[territory_key(partition, territory_id)] = Deferred(state.to_state)
        view[meta_key(partition)] = {
            "version": STATE_VERSION,
            "watermark": accumulator.watermark.isoformat() if accumulator.watermark else None,
            "incidents": accumulator.incidents.to_state(),
            "territories": sorted(accumulator.states),
        }

    def forget(self, partition: int) -> None:
        """Drop a revoked partition (it is rebuilt from the table if it comes back)."""
        self.step.forget(partition)
        self._applied.pop(partition, None)
        self._changed.pop(partition, None)

    def _restore(self, partition: int, view: BatchView) -> None:
        self._changed.pop(partition, None)
        meta: dict[str, Any] | None = view.get(meta_key(partition))
        if meta is None:
            self.step.forget(partition)
            return
        territories = {tid: view[territory_key(partition, tid)] for tid in meta["territories"]}
        self.step.restore(partition, {**meta, "territories": territories})
