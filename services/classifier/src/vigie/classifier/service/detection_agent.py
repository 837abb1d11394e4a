"""The ``detect`` agent: batches of scored mentions -> the pure detection step -> alerts, digests and dead
letters, with the detector states checkpointed into the faust table on a timer.

A checkpoint, in order (as quix-streams' ``Checkpoint.commit``): the step's writes since the last one
(:meth:`DetectionStep.checkpoint`), written into the table's store, produced to its changelog and acknowledged
by the broker (:class:`~vigie.classifier.service.changelog.ChangelogWriter`: batched, each partition's commit
record last and alone), and only then the held input messages acknowledged, so that faust never commits an
input offset before the states it produced are in the changelog. The agent goes on with its next batches while
the broker stores a checkpoint; the next checkpoint waits for it. A changelog write that fails stops the worker:
a later checkpoint's commit record must never follow entries that are missing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import faust
from faust.types import EventT, Message

from vigie.classifier.metrics import ClassifierMetrics
from vigie.classifier.service.changelog import ChangelogWriter
from vigie.classifier.service.detection_contract import DetectionStep
from vigie.classifier.service.detection_outcome import DetectionOutcome, StateWrite
from vigie.classifier.service.faust_records import hold, inbound, last_fetched_end
from vigie.classifier.service.liveness import Liveness
from vigie.classifier.service.outputs import SOURCE, Outputs
from vigie.classifier.service.progress import Progress
from vigie.classifier.service.scoring_step import Clock
from vigie.classifier.settings import ClassifierSettings
from vigie.schemas import ALERTS, DIGESTS, MENTIONS_SCORED, encode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckpointPolicy:
    """When the open window is checkpointed: ``interval_s`` after it opened, or at ``max_records`` records."""

    interval_s: float
    max_records: int

    def due(self, opened: float | None, records: int, now: float) -> bool:
        if opened is None:
            return False
        return records >= self.max_records or now - opened >= self.interval_s


@dataclass
class CheckpointWindow:
    """The messages of the batches applied since the last checkpoint, held (one extra reference each) so that
    faust cannot commit their offsets before the checkpoint's writes are in the changelog."""

    held: list[Message] = field(default_factory=list)
    opened: float | None = None

    def hold(self, events: Sequence[EventT[bytes]]) -> None:
        if self.opened is None:
            self.opened = time.monotonic()
        self.held.extend(hold(events))

    def release(self) -> list[Message]:
        """The held messages, to acknowledge; the window starts afresh."""
        released = self.held
        self.drop()
        return released

    def drop(self) -> None:
        self.held, self.opened = [], None


class DetectionAgent:
    """The detection step as a :class:`~vigie.classifier.service.strategy.ProcessingStrategy` (see the module):
    :meth:`poll` also runs on a timer, :meth:`revoke` and :meth:`join` on faust's signals."""

    def __init__(
        self,
        app: faust.App,
        table: faust.types.TableT[str, bytes],
        settings: ClassifierSettings,
        detection: DetectionStep,
        changelog: ChangelogWriter,
        outputs: Outputs,
        progress: Progress,
        liveness: Liveness,
        metrics: ClassifierMetrics,
        clock: Clock,
    ) -> None:
        self._app = app
        self._table = table
        self._detection = detection
        self._changelog = changelog
        self._outputs = outputs
        self._progress = progress
        self._liveness = liveness
        self._metrics = metrics
        self._clock = clock
        self._policy = CheckpointPolicy(settings.checkpoint_interval_s, settings.checkpoint_max_records)
        self._window = CheckpointWindow()
        self._checkpointing = asyncio.Lock()
        #: The changelog write of the last checkpoint (done once the broker has acknowledged it all).
        self._writing: asyncio.Future[None] | None = None
        self._write_failed: BaseException | None = None
        self._background: set[asyncio.Future[None]] = set()
        #: Between a revocation and the next assignment: nothing handed over is applied, nothing acknowledged.
        self._revoked = False

    async def submit(self, events: Sequence[EventT[bytes]]) -> None:
        """Apply a batch: its records through the detection step, its alerts, digests and dead letters published,
        its messages held in the open window until that window's checkpoint."""
        metrics, window = self._metrics, self._window
        async with self._checkpointing:
            events = self._current(events)
            if not events:
                return
            records = [inbound(event) for event in events]
            window.hold(events)
            metrics.checkpoint_pending.set(len(window.held))
            try:
                # The store itself: the table's own accessors would count every read in the faust sensor.
                outcome = self._detection.process(
                    records, self._table.data, checkpoint=False, log_end=self._scored_log_end
                )
                await self._publish(outcome)
            except BaseException:
                # Going on would apply the next records on states that miss the dropped ones, and a later
                # checkpoint would let faust commit past them: the window is forgotten and the error stops the
                # worker (exit status 1; the agent loop is wrapped by ``app._stop_worker_on_error``). A record's
                # own failure never gets here: it is a dead letter.
                self._drop_window()
                raise
            metrics.batch_size.labels(stage="detection").observe(len(records))
        self._progress.processed_batch(records)

    async def poll(self) -> None:
        """Checkpoints the open window when it is due (after each batch, and on a timer for a window that no new
        batch comes to close)."""
        if not self._window.held:
            return
        async with self._checkpointing:
            if self._due():
                await self._checkpoint()

    async def revoke(self) -> None:
        """The partitions' next owner (maybe this worker) re-applies the open window; the checkpoint being
        written is waited for before the rebalance goes on (its commit records are the next owner's start)."""
        self._revoked = True
        async with self._checkpointing:
            self._drop_window()
            await self._changelog_written(raise_failure=False)

    async def assign(self) -> None:
        """Partitions were assigned (the consumer's new generation is set): batches of it are applied again."""
        self._revoked = False

    async def join(self) -> None:
        """Clean stop: the open window is checkpointed and its offsets acknowledged, so that the consumer's final
        commit covers it and a restarted worker re-applies nothing."""
        async with self._checkpointing:
            if self._window.held:
                await self._checkpoint()
            await self._changelog_written()

    def _due(self) -> bool:
        window = self._window
        return self._policy.due(window.opened, len(window.held), time.monotonic())

    async def _checkpoint(self) -> None:
        """The window's writes into the store at once, to the changelog in the background: the agent goes on with
        the next batches while the broker stores them (~1 s for a checkpoint of 1,000 territories on a busy
        machine), and the window's input is acknowledged when the broker has them all."""
        await self._changelog_written()  # one write at a time: each ends with its commit records
        started = time.perf_counter()
        writes = self._detection.checkpoint()
        self._write_store(writes)
        messages = self._window.release()
        self._metrics.checkpoint_pending.set(0)
        writing = asyncio.ensure_future(self._changelog.write(writes))
        writing.add_done_callback(lambda done: self._written(done, messages))
        self._writing = writing
        self._metrics.checkpoint_seconds.observe(time.perf_counter() - started)
        self._metrics.checkpoint_writes.inc(len(writes))

    async def _changelog_written(self, *, raise_failure: bool = True) -> None:
        """Wait for the checkpoint being written, if any; raise if a write failed (the worker is stopping: the
        store holds states the changelog may lack, and a later commit record would cover entries that never
        reached it)."""
        writing = self._writing
        if writing is not None:
            await asyncio.wait([writing])
        if raise_failure and self._write_failed is not None:
            raise self._write_failed

    def _current(self, events: Sequence[EventT[bytes]]) -> Sequence[EventT[bytes]]:
        """The batch's events of the current assignment. faust's take buffer can hand over, after a revocation,
        events fetched before it: applied then, they would move the partition's position ahead of the offsets its
        next owner (maybe this worker, sought back to the committed offset) re-reads, and a checkpoint would write
        them into a changelog partition that is no longer this worker's. They are held, never acknowledged (faust's
        own acknowledgement of the batch must not make them committable either): the next owner reads them again."""
        generation = self._app.consumer_generation_id
        if self._revoked:
            current: Sequence[EventT[bytes]] = []
        else:
            current = [event for event in events if event.message.generation_id == generation]
        if len(current) == len(events):
            return events
        stale = [event for event in events if self._revoked or event.message.generation_id != generation]
        hold(stale)
        self._metrics.stale_records.inc(len(stale))
        return current

    def _written(self, writing: asyncio.Future[None], messages: list[Message]) -> None:
        error: BaseException | None = (
            asyncio.CancelledError("the changelog write was cancelled") if writing.cancelled() else writing.exception()
        )
        if error is None:
            # Acknowledged during a revocation, an offset would pass the generation check (the generation changes
            # only at the next assignment) and could be committed into the new assignment.
            if not self._revoked:
                for message in messages:
                    self._outputs.acknowledge(message)
            return
        # The window's input is never acknowledged: the partitions' next owner recovers the last complete
        # checkpoint from the changelog and re-applies the rest.
        self._write_failed = error
        log.critical("writing a checkpoint to the changelog failed: the worker stops", exc_info=error)
        self._liveness.failed("detect", error)
        crashing = asyncio.ensure_future(self._app.crash(error))
        self._background.add(crashing)
        crashing.add_done_callback(self._background.discard)

    def _write_store(self, writes: Sequence[StateWrite]) -> None:
        data = self._table.data
        for write in writes:
            data[write.key] = write.value

    def _drop_window(self) -> None:
        """Nothing of the open window is persisted or acknowledged: it is forgotten, and its records come back
        (after a restart, or to the partitions' next owner) to be re-applied on the last checkpoint."""
        self._detection.abandon()
        self._window.drop()
        self._metrics.checkpoint_pending.set(0)

    def _scored_log_end(self, partition: int) -> int | None:
        return last_fetched_end(self._app.consumer, MENTIONS_SCORED, partition)

    async def _publish(self, outcome: DetectionOutcome) -> None:
        metrics = self._metrics
        for partition in outcome.log_restarts:
            metrics.offset_resets.inc()
            log.error(
                "the scored-mentions log restarted below the offsets detection had applied (the broker lost its "
                "data?): the partition's records are processed from its new start",
                extra={"partition": partition},
            )
        await self._outputs.publish([encode(ALERTS, a.event, source=SOURCE) for a in outcome.alerts])
        await self._outputs.publish([encode(DIGESTS, digest, source=SOURCE) for digest in outcome.digests])
        await self._outputs.publish_dead_letters(outcome.dead_letters)
        produced_at = self._clock()
        for alert in outcome.alerts:
            metrics.alerts.labels(transition=alert.event.transition, severity=alert.event.severity).inc()
            if alert.trigger_collected_at is not None:
                latency = (produced_at - alert.trigger_collected_at).total_seconds()
                metrics.alert_latency.observe(max(0.0, latency))
        _record_detection_metrics(metrics, outcome)


def _record_detection_metrics(metrics: ClassifierMetrics, outcome: DetectionOutcome) -> None:
    for stage, count in outcome.failures.items():
        metrics.record_failures.labels(stage=stage).inc(count)
    for count, counter in (
        (outcome.clamped_mentions, metrics.clamped_mentions),
        (outcome.duplicate_mentions, metrics.duplicate_mentions),
        (outcome.late_mentions, metrics.late_mentions),
        (outcome.replayed_records, metrics.replayed_records),
        (outcome.rescored_mentions, metrics.rescored_mentions),
        (outcome.digest_late_mentions, metrics.digest_late_mentions),
    ):
        if count:
            counter.inc(count)
    for digest in outcome.digests:
        metrics.digests.labels(period=digest.period).inc()
    for territory, severity in outcome.open_incidents.items():
        for level in ("warning", "major", "critical"):
            metrics.open_incidents.labels(territory=territory, severity=level).set(1 if level == severity else 0)
