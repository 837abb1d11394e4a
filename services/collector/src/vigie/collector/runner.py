"""Run one source forever: restore its cursor, hand its batches to the pipeline, back off on failure.

A failing source only delays itself: every source has its own task and its own :class:`Backoff`. After a
failure the source is restored to the cursor of the last *acknowledged* batch, so nothing fetched but
not produced is lost. Stopping (SIGTERM) interrupts a source only while it waits (network, poll interval,
backoff), never while a batch is being produced, so the last cursor saved matches what the broker has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

from vigie.collector.errors import FetchError, SinkError
from vigie.collector.items import Batch
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.sources.base import Source
from vigie.collector.state import StateStore
from vigie.runtime.backoff import Backoff
from vigie.runtime.clock import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoppedError(Exception):
    """The stop event fired while waiting."""


async def until_stopped(awaitable: Awaitable[T], stop: asyncio.Event) -> T:
    """Await ``awaitable`` unless ``stop`` is set first (then cancel it and raise :class:`StoppedError`)."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        stopper.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    raise StoppedError


class SourceRunner:
    """Drives one source (see the module docstring)."""

    def __init__(
        self,
        source: Source,
        pipeline: MentionPipeline,
        metrics: CollectorMetrics,
        clock: Clock,
        *,
        state: StateStore | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.source = source
        self.pipeline = pipeline
        self.metrics = metrics
        self.clock = clock
        self.state = state
        self.backoff = backoff or Backoff()
        self.batches_done = 0
        self.finished = False

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set, or the source ends (a file)."""
        source, kind = self.source, self.source.kind
        acknowledged = self.state.load_cursor(source.name) if self.state is not None else None
        while not stop.is_set():
            source.restore(acknowledged)
            iterator: AsyncIterator[Batch] = source.batches()
            try:
                while True:
                    try:
                        batch = await until_stopped(anext(iterator), stop)
                    except StopAsyncIteration:
                        self.finished = True
                        return
                    self._count_problems(batch)
                    await self.pipeline.process(batch, source_name=source.name)
                    if batch.cursor is not None:
                        acknowledged = batch.cursor
                    self.batches_done += 1
                    self.backoff.reset()
                    self.metrics.last_success.labels(kind).set(self.clock.time())
                    self.metrics.source_up.labels(kind).set(1)
            except StoppedError:
                return
            except FetchError as exc:
                await self._back_off(exc.reason, str(exc), exc.retry_after, stop)
            except SinkError as exc:
                await self._back_off("broker", str(exc), None, stop)
            except Exception as exc:
                log.exception("source failed unexpectedly", extra={"source": source.name})
                await self._back_off("internal", f"{type(exc).__name__}: {exc}", None, stop)
            finally:
                with contextlib.suppress(Exception):
                    await iterator.aclose()  # type: ignore[attr-defined]

    def _count_problems(self, batch: Batch) -> None:
        for reason, message in batch.problems:
            self.metrics.fetch_errors.labels(self.source.kind, reason).inc()
            log.warning(
                "source read with problems", extra={"source": self.source.name, "reason": reason, "detail": message}
            )

    async def _back_off(self, reason: str, message: str, retry_after: float | None, stop: asyncio.Event) -> None:
        self.metrics.fetch_errors.labels(self.source.kind, reason).inc()
        self.metrics.source_up.labels(self.source.kind).set(0)
        delay = self.backoff.next_delay(retry_after)
        log.warning(
            "source failed; backing off",
            extra={"source": self.source.name, "reason": reason, "detail": message, "retry_in_s": round(delay, 3)},
        )
        with contextlib.suppress(StoppedError):
            await until_stopped(self.clock.sleep(delay), stop)
