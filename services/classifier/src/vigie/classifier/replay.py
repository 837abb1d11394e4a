"""Raw mentions replayed through the service's exact scoring and detection path, alert events out: the core of
``vigie backtest`` (:mod:`vigie.classifier.commands.backtest` reads the files and prints).

Mentions are scored in batches with :func:`vigie.classifier.scoring.score_mentions`, routed to the partition
Kafka's default partitioner would give their territory on ``vigie.mentions.scored.v1``, and run through one
:class:`~vigie.classifier.detection.PartitionDriver` per partition, in input order: exactly what the service's
detection agent does with the same records, so both produce the same alert events (the same
:class:`~vigie.classifier.detection.AdmissionSettings`: clamped future dates, too-old dates and duplicate
mention ids are treated alike), and the same decision cascade when one is given (the service's default: see
:mod:`vigie.classifier.detection.rescoring`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from vigie.classifier.detection import (
    AdmissionSettings,
    DetectionEngine,
    DetectorSettings,
    PartitionDriver,
)
from vigie.classifier.detection.rescoring import DecisionCascade
from vigie.classifier.scoring import score_mentions
from vigie.classifier.sentiment.protocol import LanguageIdentifier, SentimentModel
from vigie.runtime.partitioning import partition_for
from vigie.schemas import MENTIONS_SCORED, TOPICS, AlertEvent, RawMention, ScoredMention, TerritoryConfig


@dataclass
class BacktestTotals:
    """What happened to the input, for the operator."""

    mentions: int = 0
    unknown_territory: int = 0
    events: int = 0
    by_transition: dict[str, int] = field(default_factory=dict)
    #: Mentions counted at their collection time (published too far after it).
    clamped: int = 0
    #: Mentions skipped: already counted (same mention id and territory), too old, or implausible dates.
    duplicates: int = 0
    too_old: int = 0
    implausible: int = 0
    #: Mentions the model failed on (the service dead-letters them).
    unscorable: int = 0


class Backtest:
    """Scores and detects over an ordered stream of raw mentions."""

    def __init__(
        self,
        territories: TerritoryConfig,
        model: SentimentModel,
        language_identifier: LanguageIdentifier,
        settings: DetectorSettings | None = None,
        *,
        partitions: int | None = None,
        batch_size: int = 512,
        admission: AdmissionSettings | None = None,
        cascade: DecisionCascade | None = None,
    ) -> None:
        self.engine = DetectionEngine(territories, settings, cascade)
        self.model = model
        self.language_identifier = language_identifier
        self.partitions = partitions or TOPICS[MENTIONS_SCORED].partitions
        self.drivers = [PartitionDriver(self.engine, partition, admission) for partition in range(self.partitions)]
        self.states: dict[str, Any] = {}
        self.batch_size = batch_size
        self.totals = BacktestTotals()
        self._known = set(territories.by_id())

    def run(self, mentions: Iterable[RawMention]) -> Iterator[AlertEvent]:
        """Alert events in the order the drivers emit them."""
        batch: list[RawMention] = []
        for mention in mentions:
            batch.append(mention)
            if len(batch) >= self.batch_size:
                yield from self._flush(batch)
                batch = []
        yield from self._flush(batch)

    def _score(self, batch: list[RawMention]) -> list[ScoredMention]:
        """The batch scored; if the model fails on it, one by one, leaving out (and counting) the mentions it
        fails on, as the service dead-letters them."""
        try:
            return list(score_mentions(self.model, self.language_identifier, batch))
        except Exception:
            if len(batch) == 1:
                self.totals.unscorable += 1
                return []
        return [scored for mention in batch for scored in self._score([mention])]

    def _flush(self, batch: list[RawMention]) -> Iterator[AlertEvent]:
        for scored in self._score(batch):
            self.totals.mentions += 1
            if scored.territory_id not in self._known:
                self.totals.unknown_territory += 1
                continue
            driver = self.drivers[partition_for(scored.territory_id, self.partitions)]
            admission = driver.apply(scored, self.states)
            if admission.verdict == "clamped":
                self.totals.clamped += 1
            elif admission.verdict == "duplicate":
                self.totals.duplicates += 1
            elif admission.verdict == "too_old":
                self.totals.too_old += 1
            elif admission.verdict == "implausible":
                self.totals.implausible += 1
            for event in admission.events:
                self.totals.events += 1
                self.totals.by_transition[event.transition] = self.totals.by_transition.get(event.transition, 0) + 1
                yield event
