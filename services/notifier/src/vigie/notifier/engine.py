"""The delivery engine: runs the dispatcher's due jobs through the integrations, retries, logs, dead-letters.

Write order, so that a crash never duplicates and never loses: send -> write the receipt to the log topic
(awaited) -> mark the records finished (the committer may then commit their offsets). A crash between the
send and the receipt is the only window for a duplicate; a crash after the receipt replays the log at
start-up and the redelivered alert is recognised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from vigie.notifier.dead_letters import UndeliveredRecord, dead_letter_delivery
from vigie.notifier.dispatch import Dispatcher, Job
from vigie.notifier.errors import DeliveryError, PermanentDeliveryError, RetryableDeliveryError
from vigie.notifier.integrations.base import Integration
from vigie.notifier.log_sink import LogSink, retry_write
from vigie.notifier.metrics import NotifierMetrics
from vigie.notifier.offsets import RecordRef
from vigie.runtime.backoff import RetryPolicy
from vigie.runtime.clock import Clock
from vigie.schemas import ALERTS, DeadLetterBuilder, DeliveryReceipt

log = logging.getLogger(__name__)


class DeliveryEngine:
    def __init__(
        self,
        dispatcher: Dispatcher,
        integrations: Mapping[str, Integration],
        sink: LogSink,
        clock: Clock,
        metrics: NotifierMetrics,
        retry: RetryPolicy | None = None,
        service: str = "notifier",
        max_concurrency: int = 32,
    ) -> None:
        self.dispatcher = dispatcher
        self.integrations = integrations
        self.sink = sink
        self.clock = clock
        self.metrics = metrics
        self.retry = retry or RetryPolicy()
        self.service = service
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        #: Bounds the sends in flight per integration: remote services and connection pools degrade with
        #: hundreds at once, and a slow channel must not hold up the others.
        self._slots = {name: asyncio.Semaphore(max_concurrency) for name in integrations}

    def wake(self) -> None:
        """Something changed (a new alert, a silence): look at the due jobs now."""
        self._wake.set()

    def busy(self) -> bool:
        """Whether an alert notification is being delivered or is due now and about to be."""
        due = self.dispatcher.next_due_at()
        return bool(self._tasks) or (due is not None and due <= self.clock.now())

    async def wait_idle(self) -> None:
        """Return once no alert notification is in flight or due: what has lower priority (digests) waits
        on this, so it never goes out ahead of, or alongside, an alert that is ready."""
        while True:
            if self._tasks:
                await asyncio.wait(set(self._tasks))
            elif self.busy():
                self.wake()
                await asyncio.sleep(0.01)  # the run loop is taking the due jobs
            else:
                return

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def run_due(self) -> int:
        """Run every job due now and wait for them (tests drive time with a fake clock this way)."""
        jobs = self.dispatcher.take_due()
        await asyncio.gather(*(self.execute(job) for job in jobs))
        return len(jobs)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: start due jobs concurrently, then wait for the next due time or a wake-up."""
        while not stop.is_set():
            self._wake.clear()
            for job in self.dispatcher.take_due():
                task = asyncio.create_task(self.execute(job))
                self._tasks.add(task)
                task.add_done_callback(self._done)
            self.metrics.pending_retries.set(self.dispatcher.retrying())
            due = self.dispatcher.next_due_at()
            waiters: list[asyncio.Task[Any]] = [
                asyncio.create_task(self._wake.wait()),
                asyncio.create_task(stop.wait()),
            ]
            if due is not None:
                waiters.append(asyncio.create_task(self.clock.sleep_until(due)))
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery task failed", exc_info=task.exception())

    async def drain(self, timeout_s: float) -> None:
        """Wait for the deliveries in flight (graceful shutdown); cancel what is still running after that."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)

    async def execute(self, job: Job) -> None:
        integration_name = job.notification.receiver.integration
        if job.action != "send":
            receipt = job.receipt(job.action, self.clock.now(), error=job.reason)
            await self._write_receipt(receipt)
            self.dispatcher.complete(job, receipt)
            self.metrics.notifications.labels(integration_name, job.action).inc()
            if job.action == "silenced":
                self.metrics.silenced.inc()
            else:
                self.metrics.suppressed.labels(job.reason or "other").inc()
            return
        integration = self.integrations.get(integration_name)
        started = time.perf_counter()
        try:
            if integration is None:
                raise PermanentDeliveryError(f"integration {integration_name!r} is not configured")
            async with self._slots[integration_name]:
                thread_ref = await integration.notify(job.notification)
        except RetryableDeliveryError as exc:
            now = self.clock.now()
            if now - job.first_attempt_at < self.retry.give_up_after:
                at = now + self.retry.delay(job.attempts + 1, exc.retry_after)
                log.warning(
                    "delivery failed, will retry",
                    extra={"notification_id": job.notification.notification_id, "reason": exc.reason,
                           "attempt": job.attempts + 1, "retry_at": at.isoformat()},
                )  # fmt: skip
                self.dispatcher.retry(job, at)
                self.metrics.notifications.labels(integration_name, "retried").inc()
                self.wake()
                return
            await self._fail(job, f"gave up after {job.attempts + 1} attempts: {exc.reason}")
            return
        except DeliveryError as exc:
            await self._fail(job, exc.reason)
            return
        except Exception as exc:  # a bug in rendering or an integration: never retry it forever
            log.exception("delivery crashed", extra={"notification_id": job.notification.notification_id})
            await self._fail(job, f"internal error: {type(exc).__name__}: {exc}")
            return
        self.metrics.delivery_latency.labels(integration_name).observe(time.perf_counter() - started)
        receipt = job.receipt("delivered", self.clock.now(), thread_ref=thread_ref or job.notification.thread_ref)
        await self._write_receipt(receipt)
        self.dispatcher.complete(job, receipt)
        self.metrics.notifications.labels(integration_name, "delivered").inc()
        self.metrics.log_size.set(len(self.dispatcher.log))

    async def _fail(self, job: Job, reason: str) -> None:
        notification = job.notification
        log.error(
            "delivery failed permanently", extra={"notification_id": notification.notification_id, "reason": reason}
        )
        now = self.clock.now()
        # The dead letter points at the last Kafka record the message carried (none for an alert given directly).
        held = job.records[-1] if job.records and isinstance(job.records[-1], RecordRef) else None
        record = UndeliveredRecord(
            topic=held.topic if held else ALERTS,
            partition=held.partition if held else -1,
            offset=held.offset if held else -1,
            key=notification.alert.incident_id.encode("utf-8"),
            value=notification.alert.model_dump_json().encode("utf-8"),
        )
        await dead_letter_delivery(
            self.sink,
            self.metrics,
            DeadLetterBuilder(self.service),
            record,
            notification.receiver,
            reason,
            failed_at=now,
        )
        receipt = job.receipt("failed", now, error=reason)
        await self._write_receipt(receipt)
        self.dispatcher.complete(job, receipt)
        self.metrics.notifications.labels(notification.receiver.integration, "failed").inc()

    async def _write_receipt(self, receipt: DeliveryReceipt) -> None:
        await self._retry_write(lambda: self.sink.write_receipt(receipt))

    @staticmethod
    async def _retry_write(write: Callable[[], Awaitable[None]]) -> None:
        await retry_write(write)
