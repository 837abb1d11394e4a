"""Scored-mention records -> alert events, with the detection engine's shared partition driver; pure.

For each input partition of a batch, in offset order: records at or below the partition's commit record
are skipped (already applied before a crash: see :mod:`vigie.classifier.service.checkpoint`), the others
are decoded and handed to :class:`~vigie.classifier.detection.PartitionDriver`, the same driver ``vigie
backtest`` uses, so the service and the backtest give the same alert events for the same records.

One record fails only itself. Each record's steps (decode, detection, digest accumulation) run inside one
guard: an undecodable record, an unknown territory, an implausible date or *any* exception raised for one
record makes that record a dead letter with its reason (``DetectionOutcome.failures`` counts the unexpected
ones by stage); the batch goes on, and the record's offset counts as applied. (What a record's detection
changed before an unexpected failure stays: a failure is not rolled back.) A scored mention published
twice by the scoring agent (re-scored after a crash) is recognised by its raw record's position (header
``vigie_raw_position``) and skipped.

With a :class:`~vigie.classifier.service.digest_checkpoint.CheckpointedDigests`, the mentions applied and
the alert events emitted for each partition also feed the territory digests, whose state is checkpointed
in the same batch view (same commit record) as the detector states.

Restarted logs. A broker that lost its data starts the partition's offsets at 0 again, below the commit
record's: every new record would be skipped as replayed, silently. The step recognises it when a batch's
first record is at or below what was applied *and* either that record is newer (broker timestamp) than every
record applied (a re-delivered record was applied, so it cannot be), or the partition's log ends at or below
what was applied (its high watermark, from ``log_end``: a log that still held the applied records would end
after them), or the offsets went backwards since the last batch of this process (Kafka never re-delivers
below a position without a rebalance, and :meth:`EngineDetectionStep.abandon` forgets the positions on one). The partition's view then
counts offsets after everything applied (:meth:`BatchView.restart_log`), its records are processed, and
``DetectionOutcome.log_restarts`` counts it. The detector states are kept: they are what the lost records
taught; a mention seen again is skipped by its id.

Checkpoint windows: the states a partition's records change stay in its open window (a
:class:`~vigie.classifier.service.checkpoint.BatchView`) across batches until :meth:`EngineDetectionStep.checkpoint`
returns the window's writes, each changed state serialised once however many batches changed it. The
caller must not let Kafka commit the input offsets of a window before its writes are in the changelog;
:meth:`EngineDetectionStep.abandon` drops windows that will never be checkpointed (their records are
re-delivered and re-applied on the committed states).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from vigie.classifier.detection import (
    AdmissionSettings,
    DetectionEngine,
    DetectorSettings,
    PartitionDriver,
    UnknownTerritoryError,
)
from vigie.classifier.detection.partition import Admission, is_territory_key
from vigie.classifier.detection.rescoring import DecisionCascade
from vigie.classifier.detection.state_codec import dump_state, load_state
from vigie.classifier.service.checkpoint import NONE, BatchView, DecodedStates, EntryCodec
from vigie.classifier.service.detection_outcome import DetectionOutcome, EmittedAlert, Stage, StateWrite
from vigie.classifier.service.digest_checkpoint import DIGEST_KEY_PREFIX, CheckpointedDigests
from vigie.classifier.service.records import DEAD_LETTERS, InboundRecord
from vigie.classifier.service.scoring_step import Clock
from vigie.schemas import (
    MENTIONS_SCORED,
    DecodeError,
    ScoredMention,
    TerritoryConfig,
    decode,
    header_value,
)

_ZERO = timedelta(0)

#: The high watermark (next offset) of an input partition, None when unknown.
LogEnd = Callable[[int], int | None]

#: Header naming the raw-mention record a scored mention was made from: ``b"<partition>:<offset>"``.
UPSTREAM_HEADER = "vigie_raw_position"


def upstream_header(partition: int, offset: int) -> tuple[str, bytes]:
    return (UPSTREAM_HEADER, f"{partition}:{offset}".encode())


def upstream_position(record: InboundRecord) -> tuple[int, int] | None:
    """The (raw partition, raw offset) a scored record was made from, when it says so."""
    value = header_value(record.headers, UPSTREAM_HEADER)
    if value is None:
        return None
    partition, _, offset = value.partition(":")
    try:
        return int(partition), int(offset)
    except ValueError:
        return None


class DetectionEntries(EntryCodec):
    """The table's territory states through the detection state's versioned codec
    (:mod:`~vigie.classifier.detection.state_codec`: a state of a version this release cannot read fails the records
    of its territory, never is misread); every other entry (bookkeeping, digests) as plain JSON."""

    def load(self, key: str, raw: bytes) -> Any:
        if raw == NONE or not is_territory_key(key):
            return super().load(key, raw)
        return load_state(raw)

    def dump(self, key: str, value: Any) -> bytes:
        return dump_state(value) if is_territory_key(key) else super().dump(key, value)


_ENTRIES = DetectionEntries()


class EngineDetectionStep:
    """Detection over batches of ``vigie.mentions.scored.v1`` records (see the module docstring)."""

    def __init__(
        self,
        territories: TerritoryConfig,
        clock: Clock,
        settings: DetectorSettings | None = None,
        digests: CheckpointedDigests | None = None,
        admission: AdmissionSettings | None = None,
        cascade: DecisionCascade | None = None,
    ) -> None:
        self.engine = DetectionEngine(territories, settings, cascade)
        self.admission = admission
        self.digests = digests
        self._clock = clock
        self._drivers: dict[int, PartitionDriver] = {}
        #: Open checkpoint window of each partition (records applied, writes not returned yet).
        self._windows: dict[int, BatchView] = {}
        #: Partition -> the last Kafka offset processed since the last :meth:`abandon` (a rebalance).
        self._positions: dict[int, int] = {}
        # The digest accumulators keep their live state: their checkpointed entries are parsed only on a restore.
        self._decoded = DecodedStates(uncached_prefixes=(DIGEST_KEY_PREFIX,))

    def driver(self, partition: int) -> PartitionDriver:
        driver = self._drivers.get(partition)
        if driver is None:
            driver = self._drivers[partition] = PartitionDriver(self.engine, partition, self.admission)
        return driver

    def process(
        self,
        records: Sequence[InboundRecord],
        table: Mapping[str, bytes],
        *,
        checkpoint: bool = True,
        log_end: LogEnd | None = None,
    ) -> DetectionOutcome:
        """Apply a batch; with ``checkpoint`` the outcome also holds the writes of every open window (closed),
        otherwise they stay open for a later :meth:`checkpoint`. ``log_end`` gives a partition's high watermark
        when known (see the module docstring)."""
        outcome = DetectionOutcome()
        late_before = self.engine.late_mentions
        cascade = self.engine.cascade
        rescored_before = cascade.rescored if cascade is not None else 0
        digest_late_before = self.digests.late_mentions if self.digests is not None else 0
        by_partition: dict[int, list[InboundRecord]] = {}
        for record in records:
            by_partition.setdefault(record.partition, []).append(record)
        for partition, partition_records in sorted(by_partition.items()):
            self._process_partition(partition, partition_records, table, outcome, log_end)
        outcome.late_mentions = self.engine.late_mentions - late_before
        if cascade is not None:
            outcome.rescored_mentions = cascade.rescored - rescored_before
        if self.digests is not None:
            outcome.digest_late_mentions = self.digests.late_mentions - digest_late_before
        if checkpoint:
            outcome.writes = self.checkpoint()
        return outcome

    @property
    def pending(self) -> bool:
        """Whether an open window has applied records whose writes were not returned yet."""
        return any(view.applied_offset > view.committed_offset for view in self._windows.values())

    def checkpoint(self) -> list[StateWrite]:
        """The writes of every open window (per partition, commit record last), closing the windows."""
        writes: list[StateWrite] = []
        for partition, view in sorted(self._windows.items()):
            if view.applied_offset > view.committed_offset:
                if self.digests is not None:
                    self.digests.stage(partition, view)
                writes.extend(StateWrite(partition, key, value) for key, value in view.writes())
        self._windows.clear()
        return writes

    def abandon(self) -> None:
        """Drop the open windows without writes: the next records start from the table's committed states (and
        from the committed offsets: the positions seen are forgotten)."""
        self._windows.clear()
        self._positions.clear()

    def _process_partition(
        self,
        partition: int,
        records: Sequence[InboundRecord],
        table: Mapping[str, bytes],
        outcome: DetectionOutcome,
        log_end: LogEnd | None,
    ) -> None:
        driver = self.driver(partition)
        view = self._windows.get(partition)
        if view is None:
            view = self._windows[partition] = BatchView(
                table, driver.bookkeeping_key(partition), self._decoded, _ENTRIES
            )
        records = sorted(records, key=lambda r: r.offset)
        if self._log_restarted(partition, records, view, log_end):
            view.restart_log()
            outcome.log_restarts.append(partition)
        self._positions[partition] = records[-1].offset
        last_offset = previous_offset = view.applied_offset
        if self.digests is not None:
            self.digests.begin(partition, view)
        for record in records:
            offset = view.internal_offset(record.offset)
            if offset <= previous_offset:
                outcome.replayed_records += 1
                continue
            last_offset = offset
            stage: Stage = "decode"
            try:
                upstream = upstream_position(record)
                if upstream is not None and view.seen_upstream(*upstream):
                    outcome.replayed_records += 1
                    continue
                mention = self._decode(record, outcome)
                if mention is None:
                    continue
                stage = "detection"
                admission = self._admit(record, mention, driver, view, outcome)
                if admission is None:
                    continue
                if self.digests is not None and (admission.counted or admission.events):
                    stage = "digest"
                    closed = self.digests.add(
                        partition, admission.mention if admission.counted else None, admission.events
                    )
                    if closed:
                        outcome.digests.extend(closed)
            except Exception as error:
                outcome.failures[stage] = outcome.failures.get(stage, 0) + 1
                outcome.dead_letters.append(
                    DEAD_LETTERS.for_processing_error(record, error, failed_at=self._clock(), stage=stage)
                )
        if last_offset > previous_offset:
            if self.digests is not None:
                self.digests.end(partition, last_offset)
            view.applied_offset = last_offset
            view.newest_ms = max(view.newest_ms, self._newest_plausible(records))

    def _newest_plausible(self, records: Sequence[InboundRecord]) -> int:
        """The newest broker timestamp (ms) among the records, ignoring any beyond the clock by more than
        :data:`TIMESTAMP_FUTURE_LIMIT` (one such record would otherwise switch the restart rule off for good)."""
        limit = _millis((self._clock() + TIMESTAMP_FUTURE_LIMIT).timestamp())
        return max((ms for ms in (_millis(r.timestamp) for r in records) if ms <= limit), default=-1)

    def _log_restarted(
        self, partition: int, records: Sequence[InboundRecord], view: BatchView, log_end: LogEnd | None
    ) -> bool:
        """Whether the partition's log restarted below what was applied (see the module docstring); ``records``
        in offset order."""
        first, last = records[0].offset, records[-1].offset
        if view.internal_offset(first) > view.applied_offset:
            return False
        position = self._positions.get(partition)
        if position is not None and first <= position:
            return True
        first_ms = _millis(records[0].timestamp)
        if first_ms >= 0 and view.newest_ms >= 0:
            # Known timestamps decide: a re-delivered record was applied, so it is not newer than every one
            # applied; a restarted log's records were produced after them. (The end rule below misreads a replay
            # on Tansu, whose reported end is the last batch's first offset + 1.)
            return first_ms > view.newest_ms
        end = log_end(partition) if log_end is not None else None
        # An end below a record just read is no end (a stale answer): only a consistent one counts.
        return end is not None and end > last and view.internal_offset(end) <= view.applied_offset

    def _admit(
        self,
        record: InboundRecord,
        mention: ScoredMention,
        driver: PartitionDriver,
        view: BatchView,
        outcome: DetectionOutcome,
    ) -> Admission | None:
        """Detection of one mention; None when it became a dead letter."""
        try:
            admission = driver.apply(mention, view)
        except UnknownTerritoryError as error:
            outcome.dead_letters.append(
                DEAD_LETTERS.for_record(record, "validation", f"unknown territory: {error}", failed_at=self._clock())
            )
            return None
        if admission.verdict == "implausible":
            reason = (
                f"implausible dates: published_at {mention.published_at.isoformat()}, "
                f"collected_at {mention.collected_at.isoformat()}"
            )
            outcome.dead_letters.append(DEAD_LETTERS.for_record(record, "validation", reason, failed_at=self._clock()))
            return None
        if admission.verdict == "duplicate":
            outcome.duplicate_mentions += 1
        elif admission.verdict == "clamped":
            outcome.clamped_mentions += 1
        for event in admission.events:
            trigger = mention.collected_at if event.trigger_mention_id == mention.mention_id else None
            outcome.alerts.append(EmittedAlert(event=event, trigger_collected_at=trigger))
            outcome.open_incidents[event.territory_id] = None if event.transition == "resolved" else event.severity
        return admission

    def _decode(self, record: InboundRecord, outcome: DetectionOutcome) -> ScoredMention | None:
        """The record's mention; None when it became a dead letter (any failure to decode, not only the codec's
        own :class:`DecodeError`: a value that breaks the parser fails only its record)."""
        try:
            mention: ScoredMention = decode(MENTIONS_SCORED, record.value, record.headers)
        except DecodeError as error:
            outcome.dead_letters.append(DEAD_LETTERS.for_decode_error(record, error, failed_at=self._clock()))
            return None
        except Exception as error:
            outcome.failures["decode"] = outcome.failures.get("decode", 0) + 1
            outcome.dead_letters.append(DEAD_LETTERS.for_undecodable(record, error, failed_at=self._clock()))
            return None
        _standard_utc(mention)
        return mention


def _standard_utc(mention: ScoredMention) -> None:
    """Give the mention's zero-offset times the standard library's UTC instead of pydantic's zero-offset ``TzInfo``
    (the same instants, written the same in JSON and by ``isoformat``): comparing or subtracting an aware
    datetime whose zone is another object calls both zones' ``utcoffset``, ~0.6 µs with pydantic's, and detection
    and the digests compare each mention's times with the watermark, periods and bounds some twenty times (~4 %
    of the step). The mention is this step's own, just decoded: its fields are set in place."""
    fields = mention.__dict__
    for name in ("published_at", "collected_at"):
        value: datetime = fields[name]
        if value.tzinfo is not UTC and value.utcoffset() == _ZERO:
            # At a zero offset ``astimezone(UTC)`` is ``replace(tzinfo=UTC)`` (same fields; the parser never sets
            # ``fold``), for less: ``replace`` parses keyword arguments.
            fields[name] = value.astimezone(UTC)


def _millis(timestamp: float | None) -> int:
    """A record's broker timestamp (seconds) in whole milliseconds, as Kafka keeps it (-1: none)."""
    return round(timestamp * 1000) if timestamp is not None and timestamp >= 0 else -1


#: How far beyond the clock a record's broker timestamp may be and still count as the newest applied.
TIMESTAMP_FUTURE_LIMIT = timedelta(hours=1)
