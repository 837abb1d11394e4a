"""The scheduled delivery of digests: each due period's digests to each subscribed receiver, once.

A pass (at each due time, when a digest arrives, when a retry is due) looks at the open deliveries of the
:class:`~vigie.notifier.digests.planner.DigestPlanner`, the digests of their period in the store that the
receiver subscribes to, and sends those without a receipt for (receiver, digest id). Order per send:
wait until no alert is in flight or due (alerts first) -> send -> receipt acknowledged by the broker ->
recorded in the notification log. The log is replayed at start-up, so a restart never re-sends a digest
(a kill between the remote's acceptance and the receipt is the only window for a duplicate).

Isolation from the alerts: this runs as its own task with its own consumer, store and senders; it sends
one digest at a time and only when the alerts pipeline is idle (``AlertsFirst``); the alerts never wait
for it (they share no lock, queue or semaphore with it, and a digest's charts are drawn in a worker process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from vigie.notifier.dead_letters import UndeliveredRecord, dead_letter_delivery
from vigie.notifier.digests.channels import DigestSender
from vigie.notifier.digests.planner import DigestPlanner
from vigie.notifier.digests.store import DigestStore
from vigie.notifier.errors import DeliveryError, PermanentDeliveryError, RetryableDeliveryError
from vigie.notifier.log_sink import LogSink, retry_write
from vigie.notifier.metrics import NotifierMetrics
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.routes_config import Receiver
from vigie.runtime.backoff import RetryPolicy
from vigie.runtime.clock import Clock
from vigie.schemas import DIGESTS, DeadLetterBuilder, DeliveryReceipt, DigestEvent, Outcome

log = logging.getLogger(__name__)


class AlertsFirst(Protocol):
    """The alerts pipeline as digests see it: ``wait_idle`` returns once no alert notification is being
    delivered or is due (it may return at once)."""

    async def wait_idle(self) -> None: ...


@dataclass
class _Attempts:
    first_at: datetime
    count: int = 0
    next_at: datetime | None = None


class DigestDeliverer:
    def __init__(
        self,
        planner: DigestPlanner,
        store: DigestStore,
        log_: NotificationLog,
        senders: Mapping[str, DigestSender],
        sink: LogSink,
        clock: Clock,
        metrics: NotifierMetrics,
        alerts: AlertsFirst,
        retry: RetryPolicy | None = None,
        max_defer_s: float = 300.0,
        service: str = "notifier",
    ) -> None:
        self.planner = planner
        self.store = store
        self.log = log_
        self.senders = senders
        self.sink = sink
        self.clock = clock
        self.metrics = metrics
        self.alerts = alerts
        self.retry = retry or RetryPolicy()
        self.max_defer_s = max_defer_s
        self.service = service
        #: Completed passes (tests wait on it to know a pass looked at what was there).
        self.passes = 0
        self._attempts: dict[str, _Attempts] = {}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something changed (a digest arrived): look again now."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Until ``stop``: a pass, then sleep until the next due time, retry or wake-up. Waits for ``ready``
        first (the store caught up with the topic), so an old version of a digest is never sent."""
        if ready is not None:
            await _first(ready.wait(), stop.wait())
        while not stop.is_set():
            self._wake.clear()
            await self.run_due()
            wake_at = self._next_wake()
            waits: list[Any] = [self._wake.wait(), stop.wait()]
            if wake_at is not None:
                waits.append(self.clock.sleep_until(wake_at))
            await _first(*waits)

    def _next_wake(self) -> datetime | None:
        times = [a.next_at for a in self._attempts.values() if a.next_at is not None]
        due = self.planner.next_due_at()
        if due is not None:
            times.append(due)
        return min(times) if times else None

    async def run_due(self) -> int:
        """One pass: send every digest due now and not sent yet; return how many were attempted."""
        attempted = 0
        for due in self.planner.open_deliveries(self.clock.now()):
            subscription = due.receiver.digest
            assert subscription is not None
            for digest in self.store.of_period(due.period, due.period_date):
                notification_id = f"{due.receiver.name}:{digest.digest_id}"
                if not subscription.wants(digest) or self.log.seen(notification_id):
                    continue
                attempts = self._attempts.get(notification_id)
                if attempts is not None and attempts.next_at is not None and attempts.next_at > self.clock.now():
                    continue
                await self._alerts_first()
                await self._deliver(due.receiver, digest, notification_id)
                attempted += 1
        self.metrics.digests_known.set(len(self.store))
        self.passes += 1
        return attempted

    async def _alerts_first(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.alerts.wait_idle(), self.max_defer_s)

    async def _deliver(self, receiver: Receiver, digest: DigestEvent, notification_id: str) -> None:
        integration = receiver.integration
        now = self.clock.now()
        attempts = self._attempts.setdefault(notification_id, _Attempts(first_at=now))
        attempts.count += 1
        sender = self.senders.get(integration)
        thread_ref: str | None = None
        error: str | None = None
        outcome: Outcome = "delivered"
        try:
            if sender is None:
                raise PermanentDeliveryError(f"no digest sender for {integration!r}")
            thread_ref = await sender.send(receiver, digest)
        except RetryableDeliveryError as exc:
            now = self.clock.now()
            if now - attempts.first_at < self.retry.give_up_after:
                attempts.next_at = now + self.retry.delay(attempts.count, exc.retry_after)
                log.warning(
                    "digest delivery failed, will retry",
                    extra={"notification_id": notification_id, "reason": exc.reason, "retry_at": attempts.next_at},
                )
                self.metrics.digests.labels(integration, "retried").inc()
                return
            outcome, error = "failed", f"gave up after {attempts.count} attempts: {exc.reason}"
        except DeliveryError as exc:
            outcome, error = "failed", exc.reason
        except Exception as exc:  # a bug in rendering or a sender: never retry it forever
            log.exception("digest delivery crashed", extra={"notification_id": notification_id})
            outcome, error = "failed", f"internal error: {type(exc).__name__}: {exc}"
        if outcome == "failed":
            await self._dead_letter(receiver, digest, error or "")
        receipt = DeliveryReceipt(
            notification_id=notification_id,
            kind="digest",
            digest_id=digest.digest_id,
            territory_id=digest.territory_id,
            receiver=receiver.name,
            integration=integration,
            outcome=outcome,
            attempts=attempts.count,
            thread_ref=thread_ref,
            error=error[:2000] if error else None,
            at=self.clock.now(),
        )
        await retry_write(lambda: self.sink.write_receipt(receipt))
        self.log.record(receipt)
        del self._attempts[notification_id]
        self.metrics.digests.labels(integration, outcome).inc()
        self.metrics.notifications.labels(integration, outcome).inc()
        self.metrics.log_size.set(len(self.log))
        log.info("digest %s", outcome, extra={"notification_id": notification_id, "receiver": receiver.name})

    async def _dead_letter(self, receiver: Receiver, digest: DigestEvent, reason: str) -> None:
        log.error("digest delivery failed permanently", extra={"receiver": receiver.name, "reason": reason})
        record = UndeliveredRecord(
            topic=DIGESTS,
            partition=-1,
            offset=-1,
            key=digest.territory_id.encode("utf-8"),
            value=digest.model_dump_json().encode("utf-8"),
        )
        await dead_letter_delivery(
            self.sink,
            self.metrics,
            DeadLetterBuilder(self.service),
            record,
            receiver,
            reason,
            failed_at=self.clock.now(),
        )


async def _first(*waits: Any) -> None:
    """Wait for the first of the awaitables to finish; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
