"""Raw mentions -> scored mentions, one batch at a time; pure (no faust, no Kafka).

A batch is decoded record by record: what the codec rejects becomes a dead letter (decode, validation,
oversize) and the rest is scored in one call, which is what makes scoring fast. If the scoring call fails
for the batch, the records are scored one by one so that one poisonous mention is dead-lettered
(``processing``) without taking its neighbours with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from vigie.classifier.dead_letters import from_decode_error, from_processing_error
from vigie.classifier.service.records import InboundRecord
from vigie.schemas import (
    MENTIONS_RAW,
    MENTIONS_SCORED,
    DeadLetter,
    DecodeError,
    RawMention,
    ScoredMention,
    decode,
    encode,
)
from vigie.schemas.codec import EncodedRecord

#: Scores a batch of mentions: one scored mention per mention, in order.
ScoreBatch = Callable[[Sequence[RawMention]], Sequence[ScoredMention]]
#: Processing time, injected.
Clock = Callable[[], datetime]
#: The header naming a raw record by (partition, offset).
UpstreamHeader = Callable[[int, int], tuple[str, bytes]]


@dataclass
class ScoringOutcome:
    """What a batch became: scored mentions (with the record each came from) and dead letters."""

    scored: list[tuple[InboundRecord, ScoredMention]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


def decode_raw(
    records: Sequence[InboundRecord], clock: Clock
) -> tuple[list[tuple[InboundRecord, RawMention]], list[DeadLetter]]:
    """Decode raw-mention records; the undecodable ones become dead letters."""
    valid: list[tuple[InboundRecord, RawMention]] = []
    rejected: list[DeadLetter] = []
    for record in records:
        try:
            mention = decode(MENTIONS_RAW, record.value, record.headers)
        except DecodeError as error:
            rejected.append(from_decode_error(record, error, failed_at=clock()))
            continue
        valid.append((record, mention))
    return valid, rejected


def score_records(records: Sequence[InboundRecord], score: ScoreBatch, clock: Clock) -> ScoringOutcome:
    """Decode and score a batch (see the module docstring for the failure rules)."""
    valid, rejected = decode_raw(records, clock)
    outcome = ScoringOutcome(dead_letters=rejected)
    if not valid:
        return outcome
    try:
        scored = list(score([mention for _, mention in valid]))
        if len(scored) != len(valid):
            raise ValueError(f"scoring returned {len(scored)} results for {len(valid)} mentions")
    except Exception:
        return _score_one_by_one(valid, score, clock, outcome)
    outcome.scored.extend((record, mention) for (record, _), mention in zip(valid, scored, strict=True))
    return outcome


def _score_one_by_one(
    valid: Sequence[tuple[InboundRecord, RawMention]], score: ScoreBatch, clock: Clock, outcome: ScoringOutcome
) -> ScoringOutcome:
    for record, mention in valid:
        try:
            (scored,) = score([mention])
        except Exception as error:
            outcome.dead_letters.append(from_processing_error(record, error, failed_at=clock()))
            continue
        outcome.scored.append((record, scored))
    return outcome


def scored_records(
    scored: Sequence[tuple[InboundRecord, ScoredMention]], source: str, upstream: UpstreamHeader
) -> list[EncodedRecord]:
    """The scored mentions' records, each with the header ``upstream`` gives for the raw record it was made
    from (detection skips re-scored duplicates by that header)."""
    records = []
    for raw, mention in scored:
        record = encode(MENTIONS_SCORED, mention, source=source)
        record.headers.append(upstream(raw.partition, raw.offset))  # the list is this record's own
        records.append(record)
    return records
