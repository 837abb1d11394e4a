"""The faust application of the classifier: two agents that only decode, call the pure steps and emit.

``score-raw`` consumes ``vigie.mentions.raw.v1`` in batches, scores them (language + sentiment) and
publishes ``vigie.mentions.scored.v1`` (same key: the territory). ``detect`` consumes the scored mentions
(co-partitioned with the raw ones: no repartition) and runs detection with its state in the faust table
``detector-state``, whose changelog lets a restarted or rebalanced worker resume where the last one stopped;
it also publishes the territory digests (``vigie.digests.v1``) whose periods the scored mentions' event time
closed, their accumulators checkpointed in the same table (see
:mod:`vigie.classifier.service.digest_checkpoint`).

Delivery: at least once. An input record is acknowledged to faust only once its output records are
acknowledged by the broker (scoring goes on with its next batches meanwhile, holding the input: see
:mod:`vigie.classifier.service.deliveries`), and faust flushes its producer before committing offsets, so an
offset is never committed before its side effects. Detection writes its table on a timer (``checkpoint_interval_s``: each
territory state changed since the last checkpoint once, not once per batch) and keeps the events of the
batches since then unacknowledged until their checkpoint is written. Records re-delivered after a crash
are made harmless by the detection step (see :mod:`vigie.classifier.service.detection_outcome`).

The agents' steps are :class:`~vigie.classifier.service.scoring_agent.ScoringAgent` and
:class:`~vigie.classifier.service.detection_agent.DetectionAgent` (which owns the checkpoint), two
:class:`~vigie.classifier.service.strategy.ProcessingStrategy` (submit, poll, revoke, assign, join) sharing
:class:`~vigie.classifier.service.outputs.Outputs`; :func:`build_service` wires them to faust's agents (one
loop, :func:`~vigie.classifier.service.strategy.consuming`), table, timers and signals. :class:`ClassifierService` measures lag and progress for the health endpoints.

The app never declares topics (``topic_allow_declare=False``, no leader topic): create them first with
:func:`vigie.classifier.service.topology.worker_topics`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import faust
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from faust.types import TP

from vigie.classifier.metrics import ClassifierMetrics
from vigie.classifier.service.bulk_producer import BulkProducer
from vigie.classifier.service.changelog import ChangelogWriter
from vigie.classifier.service.detection_agent import DetectionAgent
from vigie.classifier.service.detection_contract import DetectionStep
from vigie.classifier.service.fast_consumer import ClassifierApp, FastHandoffConsumer, RawRecordSchema
from vigie.classifier.service.faust_records import last_fetched_end
from vigie.classifier.service.faust_sensor import batched_prometheus_monitor
from vigie.classifier.service.liveness import Liveness
from vigie.classifier.service.outputs import Outputs
from vigie.classifier.service.progress import Progress
from vigie.classifier.service.scoring_agent import ScoringAgent
from vigie.classifier.service.scoring_step import Clock, ScoreBatch
from vigie.classifier.service.strategy import ProcessingStrategy, consuming
from vigie.classifier.service.topology import DETECTOR_TABLE
from vigie.classifier.settings import ClassifierSettings
from vigie.runtime.clock import SystemClock
from vigie.schemas import (
    MENTIONS_RAW,
    MENTIONS_SCORED,
    TOPICS,
)

log = logging.getLogger(__name__)

#: The real clock, read when no other is injected.
SYSTEM_CLOCK = SystemClock()


@dataclass
class ClassifierService:
    """The faust app and what its agents share; ``ready()`` feeds ``/readyz``."""

    app: faust.App
    settings: ClassifierSettings
    metrics: ClassifierMetrics
    bulk: BulkProducer
    liveness: Liveness
    progress: Progress = field(default_factory=Progress)
    assigned_once: bool = False
    #: The consumer's positions and the logs' ends at the last measure (see :meth:`_rewind_beyond_the_log`).
    _positions_seen: dict[tuple[str, int], int] = field(default_factory=dict)
    _ends_seen: dict[tuple[str, int], int] = field(default_factory=dict)

    def alive(self) -> str | None:
        """None while no agent has stopped and no stage is stuck with work waiting (``/healthz``), else why."""
        return self.liveness.reason()

    def readiness(self) -> str | None:
        """None when the worker is alive, has its partitions and its table is recovered, else why not."""
        failing = self.alive()
        if failing is not None:
            return failing
        if not self.assigned_once:
            return "waiting for a partition assignment"
        if self.app.rebalancing:
            return "rebalancing"
        recovery: Any = getattr(self.app.tables, "recovery", None)
        if recovery is None or _recovering(recovery):
            return "recovering the detector table from its changelog"
        return None

    async def export_lag(self) -> None:
        """Export the consumer lag and observe every stage's progress for :attr:`liveness`.

        The logs' ends are asked of the broker (faust's ``highwaters``: a ListOffsets request), not read from
        the consumer's fetch responses: a consumer that stopped fetching (a group rejoin that never ends after
        the broker lost everything) keeps its last answer for ever, and its partitions would look caught up.
        Without an answer (broker unreachable), the consumer's last known ends are used."""
        consumer = self.app.consumer
        positions = await self._assigned_positions()  # before the ends: a position is never beyond a later end
        ends = await self._log_ends([*self.progress.partitions(), *positions])
        answered = bool(ends)
        if answered and not self.app.rebalancing:
            await self._rewind_beyond_the_log(positions, ends)

        def high_watermark(topic: str, partition: int) -> int | None:
            end = ends.get((topic, partition))
            return end if end is not None else last_fetched_end(consumer, topic, partition)

        self.progress.export(self.metrics, high_watermark)
        if answered:  # without the broker's answer, the stages are left as they were (stale ends would reset them)
            for (topic, partition), lag in self.progress.lag(high_watermark).items():
                position = self.progress.position(topic, partition)
                self.liveness.observe(f"{topic}[{partition}]", position, waiting=lag > 0)
        recovery: Any = getattr(self.app.tables, "recovery", None)
        recovered = 0
        if recovery is not None:
            recovered = sum(recovery.active_offsets.values()) + sum(recovery.standby_offsets.values())
            # Before the first assignment, recovery has not started (not "completed" either): joining the group
            # is the rebalance's to time.
            recovering = bool(recovery.in_recovery) or (self.assigned_once and _recovering(recovery))
            self.liveness.observe(RECOVERY_STAGE, recovered, waiting=recovering)
        if self.assigned_once:
            # A rebalance that never completes (a revocation waiting on a broker that lost everything, a group
            # that cannot form) leaves the worker without partitions: nothing is lagging, so only this sees it.
            # Progress is a new rebalance or a recovery moving on (recoveries run inside the rebalance).
            mark = (int(getattr(self.app, "rebalancing_count", 0)), recovered)
            self.liveness.observe(REBALANCE_STAGE, mark, waiting=bool(self.app.rebalancing))
        stalled = set(self.liveness.stalled())
        self.metrics.stalled.labels(stage="recovery").set(1 if RECOVERY_STAGE in stalled else 0)
        self.metrics.stalled.labels(stage="rebalance").set(1 if REBALANCE_STAGE in stalled else 0)
        self.metrics.stalled.labels(stage="consume").set(1 if stalled - {RECOVERY_STAGE, REBALANCE_STAGE} else 0)

    async def _assigned_positions(self) -> dict[tuple[str, int], int]:
        """The consumer's next fetch offset on each input partition assigned to it (those it knows)."""
        consumer = self.app.consumer
        positions: dict[tuple[str, int], int] = {}
        try:
            assigned = [tp for tp in consumer.assignment() if tp.topic in (MENTIONS_RAW, MENTIONS_SCORED)]
            for tp in assigned:
                position = await asyncio.wait_for(consumer.position(tp), timeout=self.settings.lag_interval_s)
                if position is not None:
                    positions[(tp.topic, tp.partition)] = int(position)
        except Exception as error:  # no assignment yet, or no answer: nothing to check this time
            log.debug("the consumer's positions could not be read: %r", error)
        return positions

    async def _rewind_beyond_the_log(
        self, positions: Mapping[tuple[str, int], int], ends: Mapping[tuple[str, int], int]
    ) -> None:
        """Seek to the start of its log every input partition whose position is stuck beyond the log's end while
        the log grows: Kafka answers such a fetch with "offset out of range" and the consumer resets to the
        earliest offset, but Tansu answers nothing, and a consumer whose position was carried over from a log the
        broker lost would wait there for ever (its lag reads 0) while new records pile up below it."""
        previous_positions, self._positions_seen = self._positions_seen, dict(positions)
        previous_ends, self._ends_seen = self._ends_seen, dict(ends)
        for (topic, partition), position in positions.items():
            key = (topic, partition)
            end, previous_end = ends.get(key), previous_ends.get(key)
            # Stuck beyond the end: the log grew since the last measure and the position did not move. A position
            # beyond the end alone is not enough: Tansu reports a batch-written log's end as its last batch's
            # first offset + 1, below a caught-up consumer's position; but a log that grew got a batch starting
            # at or after that position, so its reported end is past it.
            if (
                end is None
                or previous_end is None
                or position <= end
                or end <= previous_end
                or previous_positions.get(key) != position
            ):
                continue
            tp = TP(topic, partition)
            consumer = self.app.consumer
            earliest = (
                await asyncio.wait_for(consumer.earliest_offsets(tp), timeout=self.settings.lag_interval_s)
            ).get(tp) or 0
            if self.app.rebalancing or tp not in consumer.assignment():
                continue  # revoked meanwhile: its next owner starts from the committed offset
            log.error(
                "the consumer's position is beyond the end of its log (the broker lost its data?): it starts again "
                "from the log's first record",
                extra={"topic": topic, "partition": partition, "position": position, "end": end},
            )
            self.metrics.offset_resets.inc()
            await cast(FastHandoffConsumer, consumer).rewind(tp, int(earliest))

    async def _log_ends(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The broker's end offset of each partition ({} without an answer within the lag interval)."""
        partitions = sorted({TP(topic, partition) for topic, partition in keys})
        if not partitions:
            return {}
        try:
            answer = await asyncio.wait_for(
                self.app.consumer.highwaters(*partitions), timeout=self.settings.lag_interval_s
            )
        except Exception as error:  # any failure: the consumer's last known ends stand in
            log.debug("the log ends could not be read: %r", error)
            return {}
        return {(tp.topic, tp.partition): int(end) for tp, end in answer.items() if end is not None}

    def forget(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Partitions revoked from this worker: their lag and progress are another worker's to report."""
        revoked = list(partitions)
        self.progress.forget(revoked)
        for topic, partition in revoked:
            self.liveness.forget(f"{topic}[{partition}]")


#: The liveness stage of the table recovery.
RECOVERY_STAGE = "table recovery"
#: The liveness stage of a consumer-group rebalance.
REBALANCE_STAGE = "rebalance"
#: faust's ``broker_rebalance_timeout`` (its default, which the app keeps): how long a group join may wait.
REBALANCE_TIMEOUT_S = 60.0


def _recovering(recovery: Any) -> bool:
    """Whether faust's table recovery is under way: its ``completed`` event is set by the first recovery and
    never cleared, so a later one (after a rebalance) shows only in ``in_recovery``."""
    return not recovery.completed.is_set() or bool(recovery.in_recovery)


def faust_app(settings: ClassifierSettings) -> faust.App:
    """The faust app configured from the settings (see the module docstring for the choices)."""
    servers = [s.strip() for s in settings.kafka.bootstrap_servers.split(",") if s.strip()]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = ClassifierApp(
        settings.app_id,
        broker=[f"kafka://{server}" for server in servers],
        store="memory://",
        datadir=str(settings.data_dir / "{conf.name}-data"),
        autodiscover=False,
        web_enabled=False,
        topic_allow_declare=False,
        topic_disable_leader=True,
        topic_partitions=TOPICS[MENTIONS_SCORED].partitions,
        topic_replication_factor=settings.replication_factor,
        processing_guarantee="at_least_once",
        # Detection holds the events of its open checkpoint window unacknowledged (see build_service): faust
        # must not wait for them on a rebalance or at shutdown. What is not checkpointed is not committed,
        # and is re-delivered to the partition's next owner.
        stream_wait_empty=False,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.broker_session_timeout_s,
        broker_heartbeat_interval=settings.broker_heartbeat_interval_s,
        broker_commit_interval=settings.commit_interval_s,
        producer_max_batch_size=settings.producer_max_batch_size,
        producer_acks=-1,
        table_standby_replicas=0,
        key_serializer="raw",
        value_serializer="raw",
        # faust's repaired Cython fast paths (opt-in since 0.14): a stream takes the events already waiting in
        # its queue without a trip through the event loop each.
        cython_optimizations=True,
    )
    app.fetch_max_wait_ms = settings.fetch_max_wait_ms
    return app


def raw_record_schema() -> RawRecordSchema:
    """Keys and values as bytes, handed over undecoded (see :class:`RawRecordSchema`)."""
    return RawRecordSchema(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


def build_service(
    settings: ClassifierSettings,
    *,
    score: ScoreBatch,
    detection: DetectionStep,
    metrics: ClassifierMetrics,
    clock: Clock = SYSTEM_CLOCK.now,
) -> ClassifierService:
    """The faust app with its topics, table and agents, wired to the pure steps given."""
    app = faust_app(settings)
    service = ClassifierService(
        app=app,
        settings=settings,
        metrics=metrics,
        bulk=BulkProducer(settings),
        # A rebalance may wait for a slow peer up to faust's rebalance timeout plus a session: not a stall before.
        liveness=Liveness(
            settings.stall_timeout_s,
            timeouts={
                REBALANCE_STAGE: max(settings.stall_timeout_s, REBALANCE_TIMEOUT_S + settings.broker_session_timeout_s)
            },
        ),
    )
    if settings.faust_sensor and settings.faust_sensor_per_message:
        app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(metrics.registry, "vigie_classifier_faust"))
    elif settings.faust_sensor:
        app.monitor = batched_prometheus_monitor(metrics.registry, "vigie_classifier_faust")

    def topic(name: str) -> faust.TopicT:
        return app.topic(name, schema=raw_record_schema(), internal=False)

    # The scored mentions are routed explicitly by Kafka's default partitioner: detection's per-partition
    # watermarks (and ``vigie backtest``) depend on exactly that split.
    raw_topic, scored_topic = topic(MENTIONS_RAW), topic(MENTIONS_SCORED)
    scoring, detecting = settings.role in ("all", "scoring"), settings.role in ("all", "detection")
    table = (
        app.Table(
            DETECTOR_TABLE,
            default=None,
            partitions=TOPICS[MENTIONS_SCORED].partitions,
            # faust picks the changelog serialisers from these types: JSON keys, raw values (checkpoint entries).
            key_type=str,
            value_type=bytes,
        )
        if detecting
        else None
    )

    outputs = Outputs(app, service.bulk, metrics)
    scoring_agent = (
        ScoringAgent(app, settings, score, outputs, service.bulk, service.progress, metrics, clock) if scoring else None
    )
    detection_agent = (
        DetectionAgent(
            app,
            table,
            settings,
            detection,
            _changelog_writer(service.bulk, table),
            outputs,
            service.progress,
            service.liveness,
            metrics,
            clock,
        )
        if table is not None
        else None
    )
    if scoring_agent is not None:
        scoring_loop = consuming(
            scoring_agent, settings.scoring_batch_size, settings.scoring_batch_within_s, "score-raw"
        )
        app.agent(raw_topic, name="score-raw")(_stop_worker_on_error(service, "score-raw", scoring_loop))
    if detection_agent is not None:
        detection_loop = consuming(
            detection_agent, settings.detection_batch_size, settings.detection_batch_within_s, "detect"
        )
        app.agent(scored_topic, name="detect")(_stop_worker_on_error(service, "detect", detection_loop))
        app.timer(settings.checkpoint_interval_s / 4)(detection_agent.poll)

    strategies: list[ProcessingStrategy] = [agent for agent in (scoring_agent, detection_agent) if agent is not None]

    async def on_rebalance_complete(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        service.assigned_once = True

    async def on_partitions_revoked(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        revoked: set[TP] = args[0] if args else set()
        service.forget((tp.topic, tp.partition) for tp in revoked)
        for strategy in strategies:
            await strategy.revoke()

    async def on_partitions_assigned(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        for strategy in strategies:
            await strategy.assign()

    async def on_before_shutdown(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        # faust flushes its producer after this signal and commits after that: what is acknowledged here makes
        # the final commit.
        for strategy in strategies:
            await strategy.join()

    # faust's signal typing rejects any coroutine function signature: the receivers follow its runtime contract.
    app.on_rebalance_complete.connect(cast(Any, on_rebalance_complete))
    app.on_partitions_revoked.connect(cast(Any, on_partitions_revoked))
    app.on_partitions_assigned.connect(cast(Any, on_partitions_assigned))
    app.on_before_shutdown.connect(cast(Any, on_before_shutdown))

    return service


def _changelog_writer(bulk: BulkProducer, table: faust.types.TableT[str, bytes]) -> ChangelogWriter:
    """The detector table's changelog written through the bulk producer, keys serialised as faust's table does."""
    topic = cast(faust.Topic, table.changelog_topic)
    serializer = cast(Any, table).key_serializer

    def key_bytes(key: str) -> bytes:
        return cast(bytes, topic.prepare_key(key, serializer)[0])

    return ChangelogWriter(bulk, topic.get_topic_name(), key_bytes)


def _stop_worker_on_error(
    service: ClassifierService, name: str, agent: Callable[[faust.StreamT[bytes]], Awaitable[None]]
) -> Callable[[faust.StreamT[bytes]], Awaitable[None]]:
    """The agent, stopping the worker if it raises. faust would restart a crashed agent and go on consuming
    after the batch it was processing; a record's own failure never raises (it is a dead letter), so what
    does is the worker's (the producer, the broker): it stops (exit status 1, liveness failing meanwhile),
    and its partitions' next owner consumes again what was not acknowledged."""

    async def run(stream: faust.StreamT[bytes]) -> None:
        try:
            await agent(stream)
        except asyncio.CancelledError:
            raise
        except BaseException as error:
            log.critical("agent %s failed: the worker stops", name, exc_info=error)
            service.liveness.failed(name, error)
            await service.app.crash(error)
            raise

    run.__name__ = run.__qualname__ = name.replace("-", "_")
    return run
