"""Raw mentions -> scored mentions, one batch at a time; pure (no faust, no Kafka).

A batch is decoded record by record: what the codec rejects becomes a dead letter (decode, validation,
oversize), and so does a value whose decoding raises anything else (deep nesting, a huge number: ``decode``);
the rest is scored in one call, which is what makes scoring fast. If the scoring call fails for the batch, the
records are scored one by one so that one poisonous mention is dead-lettered (``processing``) without taking
its neighbours with it. Encoding the scored mentions is guarded per record too (:func:`publishable`).
:func:`score_records` never raises for the records' sake: every record comes out scored or dead-lettered.

Collection time. Detection trusts a mention's ``collected_at`` to bound its event time (see
:mod:`vigie.classifier.detection.partition`). With ``max_clock_skew``, a raw record whose ``collected_at`` is
later than its Kafka timestamp (when its producer wrote it) by more than that is *restamped*: its scored mention
is collected at the Kafka timestamp, so that a forged record cannot carry a far-future collection time either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from vigie.classifier.service.records import DEAD_LETTERS, InboundRecord
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
#: Processing time, injected: a clock's reading (``vigie.runtime.clock.Clock.now``).
Clock = Callable[[], datetime]
#: The header naming a raw record by (partition, offset).
UpstreamHeader = Callable[[int, int], tuple[str, bytes]]


@dataclass
class ScoringOutcome:
    """What a batch became: scored mentions (with the record each came from) and dead letters."""

    scored: list[tuple[InboundRecord, ScoredMention]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    #: Records whose scoring or encoding raised (dead-lettered as ``processing``), per stage.
    failures: dict[str, int] = field(default_factory=dict)

    def failed(self, record: InboundRecord, error: Exception, stage: str, failed_at: datetime) -> None:
        """``record`` raised ``error`` at ``stage``: a dead letter, counted."""
        self.dead_letters.append(DEAD_LETTERS.for_processing_error(record, error, failed_at=failed_at, stage=stage))
        self.failures[stage] = self.failures.get(stage, 0) + 1


def decode_raw(
    records: Sequence[InboundRecord], clock: Clock, max_clock_skew: timedelta | None = None
) -> tuple[list[tuple[InboundRecord, RawMention]], list[DeadLetter]]:
    """Decode raw-mention records; the undecodable ones become dead letters (and see the module docstring for
    ``max_clock_skew``)."""
    valid: list[tuple[InboundRecord, RawMention]] = []
    rejected: list[DeadLetter] = []
    for record in records:
        try:
            mention = decode(MENTIONS_RAW, record.value, record.headers)
            if max_clock_skew is not None and record.timestamp is not None:
                mention = restamped(mention, record.timestamp, max_clock_skew)
        except DecodeError as error:
            rejected.append(DEAD_LETTERS.for_decode_error(record, error, failed_at=clock()))
            continue
        except Exception as error:
            rejected.append(DEAD_LETTERS.for_undecodable(record, error, failed_at=clock()))
            continue
        valid.append((record, mention))
    return valid, rejected


def restamped(mention: RawMention, written_at: float, max_clock_skew: timedelta) -> RawMention:
    """``mention`` collected at ``written_at`` (seconds since the epoch) if it claims a collection later than
    that by more than ``max_clock_skew``, else ``mention`` itself."""
    if mention.collected_at.timestamp() - written_at <= max_clock_skew.total_seconds():
        return mention
    return mention.model_copy(update={"collected_at": datetime.fromtimestamp(written_at, UTC)})


def score_records(
    records: Sequence[InboundRecord], score: ScoreBatch, clock: Clock, max_clock_skew: timedelta | None = None
) -> ScoringOutcome:
    """Decode and score a batch (see the module docstring for the failure rules and ``max_clock_skew``)."""
    try:
        return _score_records(records, score, clock, max_clock_skew)
    except Exception as error:
        if len(records) == 1:
            failed = ScoringOutcome()
            failed.failed(records[0], error, "scoring", clock())
            return failed
    # Something failed for the batch outside the model call: each record alone, so that only its own fails.
    outcome = ScoringOutcome()
    for record in records:
        single = score_records([record], score, clock, max_clock_skew)
        outcome.scored.extend(single.scored)
        outcome.dead_letters.extend(single.dead_letters)
        for stage, count in single.failures.items():
            outcome.failures[stage] = outcome.failures.get(stage, 0) + count
    return outcome


def _score_records(
    records: Sequence[InboundRecord], score: ScoreBatch, clock: Clock, max_clock_skew: timedelta | None
) -> ScoringOutcome:
    valid, rejected = decode_raw(records, clock, max_clock_skew)
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
            outcome.dead_letters.append(DEAD_LETTERS.for_processing_error(record, error, failed_at=clock()))
            outcome.failures["scoring"] = outcome.failures.get("scoring", 0) + 1
            continue
        outcome.scored.append((record, scored))
    return outcome


def scored_records(
    scored: Sequence[tuple[InboundRecord, ScoredMention]], source: str, upstream: UpstreamHeader
) -> list[EncodedRecord]:
    """The scored mentions' records, each with the header ``upstream`` gives for the raw record it was made
    from (detection skips re-scored duplicates by that header)."""
    return [_scored_record(raw, mention, source, upstream) for raw, mention in scored]


def _scored_record(raw: InboundRecord, mention: ScoredMention, source: str, upstream: UpstreamHeader) -> EncodedRecord:
    record = encode(MENTIONS_SCORED, mention, source=source)
    record.headers.append(upstream(raw.partition, raw.offset))  # the list is this record's own
    return record


def publishable(outcome: ScoringOutcome, source: str, upstream: UpstreamHeader, clock: Clock) -> list[EncodedRecord]:
    """:func:`scored_records` of ``outcome.scored``, one record at a time: a mention that cannot be encoded
    leaves ``outcome.scored`` for ``outcome.dead_letters`` (so the two lists stay aligned with the records)."""
    records: list[EncodedRecord] = []
    kept: list[tuple[InboundRecord, ScoredMention]] = []
    for raw, mention in outcome.scored:
        try:
            records.append(_scored_record(raw, mention, source, upstream))
        except Exception as error:
            outcome.failed(raw, error, "encode", clock())
            continue
        kept.append((raw, mention))
    outcome.scored = kept
    return records
