"""The ``score-raw`` agent: batches of raw mentions -> the pure scoring step -> scored mentions on the bulk
producer, the input held until the broker has the output (:mod:`vigie.classifier.service.deliveries`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import faust
from faust.types import EventT

from vigie.classifier.metrics import ClassifierMetrics
from vigie.classifier.service.bulk_producer import BulkProducer
from vigie.classifier.service.deliveries import Deliveries
from vigie.classifier.service.detection_step import upstream_header
from vigie.classifier.service.faust_records import hold, inbound
from vigie.classifier.service.outputs import SOURCE, Outputs
from vigie.classifier.service.progress import Progress
from vigie.classifier.service.scoring_step import Clock, ScoreBatch, ScoringOutcome, publishable, score_records
from vigie.classifier.settings import ClassifierSettings
from vigie.runtime.partitioning import partition_for
from vigie.schemas import MENTIONS_SCORED, TOPICS

log = logging.getLogger(__name__)


class ScoringAgent:
    """The scoring step as a :class:`~vigie.classifier.service.strategy.ProcessingStrategy` (see the module);
    :meth:`join` waits for the batches in flight."""

    def __init__(
        self,
        app: faust.App,
        settings: ClassifierSettings,
        score: ScoreBatch,
        outputs: Outputs,
        bulk: BulkProducer,
        progress: Progress,
        metrics: ClassifierMetrics,
        clock: Clock,
    ) -> None:
        self._app = app
        self._score = score
        self._outputs = outputs
        self._bulk = bulk
        self._progress = progress
        self._metrics = metrics
        self._clock = clock
        self._max_clock_skew = timedelta(seconds=settings.max_future_skew_s)
        self._partitions = TOPICS[MENTIONS_SCORED].partitions
        self._background: set[asyncio.Future[None]] = set()
        self.deliveries = Deliveries(outputs.acknowledge, self._delivery_failed, settings.scoring_batches_in_flight)

    async def submit(self, events: Sequence[EventT[bytes]]) -> None:
        """Score a batch and hand its output to the producer; the batch's input is acknowledged when the broker
        has all of it (up to ``scoring_batches_in_flight`` batches on their way meanwhile)."""
        metrics = self._metrics
        records = [inbound(event) for event in events]
        # Held before anything can fail: faust commits past a batch only once its output is acknowledged
        # (an error below stops the worker, and the batch is consumed again).
        messages = hold(events)
        started = time.perf_counter()
        # Never raises for a record's sake.
        outcome: ScoringOutcome = score_records(records, self._score, self._clock, self._max_clock_skew)
        scored_batch = publishable(outcome, SOURCE, upstream_header, self._clock)
        metrics.scoring_seconds.observe(time.perf_counter() - started)
        metrics.batch_size.labels(stage="scoring").observe(len(records))
        for stage, count in outcome.failures.items():
            metrics.record_failures.labels(stage=stage).inc(count)
        delivery = await self._bulk.submit_all(
            scored_batch, [partition_for(m.territory_id, self._partitions) for _, m in outcome.scored]
        )
        await self._outputs.publish_dead_letters(outcome.dead_letters)
        await self.deliveries.admit_held(messages, delivery)
        # one increment per label pair, not one per record
        for (language, sentiment), count in Counter(
            (m.detected_language, m.sentiment) for _, m in outcome.scored
        ).items():
            metrics.mentions_scored.labels(language=language, sentiment=sentiment).inc(count)
        self._progress.processed_batch(records)

    async def poll(self) -> None:
        """Nothing comes due: a batch's input is acknowledged by its delivery as soon as the broker answers."""

    async def revoke(self) -> None:
        """Nothing to forget: scoring keeps no state, and a batch acknowledged after the revocation is not
        committed (``Outputs.acknowledge`` drops a message of an older consumer generation)."""

    async def assign(self) -> None:
        """Nothing to prepare: scoring keeps no state."""

    async def join(self) -> None:
        """Wait for the scored batches in flight (a clean stop: their offsets make the final commit)."""
        await self.deliveries.drain()

    def _delivery_failed(self, error: BaseException) -> None:
        # Its input is never acknowledged, so no later offset of its partitions could be committed either: the
        # worker stops, and its partitions' next owner consumes the batch again.
        log.critical("producing scored mentions failed: the worker stops", exc_info=error)
        crashing = asyncio.ensure_future(self._app.crash(error))
        self._background.add(crashing)
        crashing.add_done_callback(self._background.discard)
