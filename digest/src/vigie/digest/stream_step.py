"""The digest as a stream step, for the classifier's detection agent: per input partition of
``vigie.mentions.scored.v1``, one :class:`DigestAccumulator` driven by the partition's watermark.

Watermark semantics are those of detection (:mod:`vigie.classifier.detection.partition`): the partition's
watermark is the largest ``published_at`` seen on it. Before each mention is counted, the watermark moves
to its time and every period of the partition that ended at least ``grace`` earlier is closed, so the
digests do not depend on how records are batched. The alert events the detection emitted for the same
batch are recorded first: an incident's state at a period's end only uses events before that end, so
recording them early changes nothing that is already closed.

A quiet partition closes nothing: a day's digest leaves with the first mention on the partition after the
day's end plus ``grace`` (event time, never wall time).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vigie.digest.accumulator import DigestAccumulator
from vigie.digest.options import DigestOptions
from vigie.digest.periods import in_range, in_range_at
from vigie.schemas import AlertEvent, DigestEvent, ScoredMention, Territory

#: No digest (shared: never appended to).
_NONE: list[DigestEvent] = []


class DigestStreamStep:
    """Per-partition digest accumulators; pure (the agent decodes, calls, produces and persists)."""

    def __init__(self, territories: Iterable[Territory], options: DigestOptions | None = None) -> None:
        self.territories = list(territories)
        self.options = options or DigestOptions()
        self.partitions: dict[int, DigestAccumulator] = {}
        self.late_mentions = 0
        #: Mentions dated where no period exists (see :mod:`vigie.digest.periods`): counted nowhere.
        self.out_of_range_mentions = 0

    def accumulator(self, partition: int) -> DigestAccumulator:
        accumulator = self.partitions.get(partition)
        if accumulator is None:
            accumulator = self.partitions[partition] = DigestAccumulator(self.territories, self.options)
        return accumulator

    def process(
        self, partition: int, mentions: Sequence[ScoredMention], alerts: Sequence[AlertEvent] = ()
    ) -> list[DigestEvent]:
        """Mentions of one partition in offset order, and the alerts detection emitted for them."""
        accumulator = self.accumulator(partition)
        for alert in alerts:
            accumulator.observe_alert(alert)
        digests: list[DigestEvent] = []
        for mention in mentions:
            if not in_range(mention.published_at):
                self.out_of_range_mentions += 1
                continue
            if accumulator.watermark is None or mention.published_at > accumulator.watermark:
                digests += accumulator.close_periods(mention.published_at)
            if accumulator.observe(mention) == "late":
                self.late_mentions += 1
        return digests

    def process_one(
        self, partition: int, mention: ScoredMention | None, alerts: Sequence[AlertEvent] = ()
    ) -> list[DigestEvent]:
        """:meth:`process` for one record: its alerts, then its mention (None: none)."""
        accumulator = self.partitions.get(partition)
        if accumulator is None:
            accumulator = self.accumulator(partition)
        for alert in alerts:
            accumulator.observe_alert(alert)
        if mention is None:
            return _NONE
        published_at = mention.published_at
        instant = published_at.timestamp()
        if not in_range_at(published_at, instant):
            self.out_of_range_mentions += 1
            return _NONE
        digests = accumulator.advance(published_at, instant) if instant > accumulator.watermark_at else _NONE
        if accumulator.count(mention, instant) == "late":
            self.late_mentions += 1
        return digests

    def state(self, partition: int) -> dict[str, Any]:
        """The partition's JSON state (e.g. for a changelogged table keyed by partition)."""
        return self.accumulator(partition).to_state()

    def restore(self, partition: int, state: Mapping[str, Any]) -> None:
        """Resume a partition from :meth:`state` (after a restart or a rebalance)."""
        self.partitions[partition] = DigestAccumulator(self.territories, self.options, state=state)

    def forget(self, partition: int) -> None:
        """Drop a revoked partition."""
        self.partitions.pop(partition, None)
