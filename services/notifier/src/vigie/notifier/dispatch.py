"""The dispatcher: from alert events to notification jobs, per receiver and incident (pure, clock injected).

Pipeline of one alert (Alertmanager's stages, adapted to incident lifecycles)::

    route -> dedup (log) -> wait (group_wait / group_interval, folding) -> escalation timers
          -> at due time: mute stages (silence, quiet hours, never notified) -> send -> retry -> log

Each receiver has one *thread* per incident. The first delivered message opens it; later events are
folded while a message is waiting, so the receiver gets the latest state at most once per
``group_interval`` (resolutions are never delayed). The dispatcher never does I/O: the service takes the
due :class:`Job` s, runs them, and reports back with :meth:`Dispatcher.complete` or :meth:`Dispatcher.retry`.
The input records an alert came in are opaque here (:data:`InputRef`): the dispatcher tells its
:class:`InputHolds` which ones a job or an escalation timer still carries and when it no longer does; the Kafka
adapter turns that into committable offsets (:class:`~vigie.notifier.offsets.OffsetTracker`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from vigie.notifier.incident_history import IncidentHistory
from vigie.notifier.notification import MessageKind, Notification
from vigie.notifier.notification_log import NotificationLog, ThreadRecord
from vigie.notifier.routes_config import Escalation, Receiver, RoutesConfig
from vigie.notifier.routing import RouteMatch, Timing, route_alert
from vigie.notifier.silences import Silences
from vigie.notifier.stages import Stage, default_stages, first_verdict
from vigie.runtime.clock import Clock
from vigie.schemas import AlertEvent, DeliveryReceipt, Outcome

JobAction = Literal["send", "silenced", "suppressed"]
AcceptStatus = Literal["scheduled", "duplicate"]
#: Resolved threads are forgotten (from memory, not from the log) after this long.
FORGET_AFTER = timedelta(days=1)
#: The input side's reference to the record an alert came in (for Kafka: topic, partition and offset).
InputRef = Hashable


class InputHolds(Protocol):
    """The input side of the dispatcher. A record is held once per thing that still needs it (its routing,
    each message carrying its content, an escalation timer that may still fire for it) and released as many
    times; the input may consider the record finished (commit it) only when nothing holds it."""

    def hold(self, record: Any) -> None: ...

    def release(self, record: Any) -> None: ...


@dataclass
class _Pending:
    alert: AlertEvent
    records: list[InputRef]
    due_at: datetime
    reminder: bool = False
    attempts: int = 0
    first_attempt_at: datetime | None = None
    #: An escalation is among the events this message carries (folded into a later update, it still worsened).
    worsened: bool = False


@dataclass
class _Thread:
    receiver: Receiver
    incident_id: str
    timing: Timing
    log: ThreadRecord
    escalated: bool = False
    latest: AlertEvent | None = None
    pending: _Pending | None = None
    in_flight: _Pending | None = None


@dataclass
class _EscalationTimer:
    escalation: Escalation
    timing: Timing
    due_at: datetime
    latest: AlertEvent
    records: list[InputRef] = field(default_factory=list)


@dataclass(frozen=True)
class Job:
    """One notification to send (or to record as silenced/suppressed) now."""

    action: JobAction
    notification: Notification
    reason: str | None
    attempts: int
    first_attempt_at: datetime
    records: tuple[InputRef, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.notification.receiver.name, self.notification.alert.incident_id)

    def receipt(
        self, outcome: Outcome, at: datetime, thread_ref: str | None = None, error: str | None = None
    ) -> DeliveryReceipt:
        alert = self.notification.alert
        return DeliveryReceipt(
            notification_id=self.notification.notification_id,
            incident_id=alert.incident_id,
            alert_event_id=alert.event_id,
            territory_id=alert.territory_id,
            receiver=self.notification.receiver.name,
            integration=self.notification.receiver.integration,
            transition=alert.transition,
            outcome=outcome,
            attempts=self.attempts + (1 if self.action == "send" else 0),
            thread_ref=thread_ref,
            error=error[:2000] if error else None,
            at=at,
        )


class Dispatcher:
    def __init__(
        self,
        config: RoutesConfig,
        silences: Silences,
        log: NotificationLog,
        holds: InputHolds,
        clock: Clock,
        stages: Sequence[Stage] | None = None,
        history: IncidentHistory | None = None,
    ) -> None:
        self.config = config
        #: Timeline and deliveries of each incident, for its page.
        self.history = history if history is not None else IncidentHistory()
        self.stages = stages if stages is not None else default_stages(silences)
        self.silences = silences
        self.log = log
        self.holds = holds
        self.clock = clock
        self._threads: dict[tuple[str, str], _Thread] = {}
        self._timers: dict[tuple[str, str], _EscalationTimer] = {}

    # -- intake -------------------------------------------------------------------------------------------

    def accept(self, alert: AlertEvent, record: InputRef | None = None) -> dict[str, AcceptStatus]:
        """Route one alert event; schedule a message per receiver unless the log shows it was handled."""
        if record is not None:
            self.holds.hold(record)  # seen: it counts even when nothing is scheduled for it
        self.history.alert(alert)
        try:
            return self._accept(alert, record)
        finally:
            if record is not None:
                self.holds.release(record)

    def _accept(self, alert: AlertEvent, record: InputRef | None) -> dict[str, AcceptStatus]:
        now = self.clock.now()
        matches = route_alert(self.config, alert)
        statuses: dict[str, AcceptStatus] = {}
        for match in matches:
            statuses[match.receiver] = self._schedule(match.receiver, match.timing, alert, record, now, False)
        for match in matches:
            if match.escalation is None or match.escalation.receiver in statuses:
                continue
            name = match.escalation.receiver
            if self._subscribed(name, alert.incident_id):
                statuses[name] = self._schedule(name, match.timing, alert, record, now, True)
            else:
                self._track_escalation(match, alert, record, now)
        return statuses

    def _subscribed(self, receiver: str, incident_id: str) -> bool:
        thread = self._threads.get((receiver, incident_id))
        if thread is not None and thread.escalated:
            return True
        logged = self.log.thread(receiver, incident_id)
        return logged is not None and logged.opened

    def _thread(self, receiver: str, incident_id: str, timing: Timing) -> _Thread:
        key = (receiver, incident_id)
        thread = self._threads.get(key)
        if thread is None:
            thread = _Thread(self.config.receiver(receiver), incident_id, timing, self.log.ensure_thread(*key))
            self._threads[key] = thread
        return thread

    def _schedule(
        self, receiver: str, timing: Timing, alert: AlertEvent, record: InputRef | None, now: datetime, esc: bool
    ) -> AcceptStatus:
        thread = self._thread(receiver, alert.incident_id, timing)
        thread.escalated = thread.escalated or esc
        newest = max(
            (p.alert.sequence for p in (thread.pending, thread.in_flight) if p is not None and not p.reminder),
            default=-1,
        )
        if (
            self.log.seen(f"{receiver}:{alert.event_id}")
            or alert.sequence <= max(thread.log.done_sequence, newest)
            or thread.log.resolved
        ):
            return "duplicate"
        thread.latest = alert
        records = [record] if record is not None else []
        for held in records:
            self.holds.hold(held)
        pending = thread.pending
        worsened = alert.transition == "escalated"
        if pending is not None and not pending.reminder:
            due = now if alert.transition == "resolved" else pending.due_at
            thread.pending = _Pending(alert, pending.records + records, due, False, pending.attempts,
                                      pending.first_attempt_at, pending.worsened or worsened)  # fmt: skip
            return "scheduled"
        thread.pending = _Pending(alert, records, self._due(thread, alert, now), worsened=worsened)
        return "scheduled"

    @staticmethod
    def _due(thread: _Thread, alert: AlertEvent, now: datetime) -> datetime:
        if not thread.log.opened:
            return now + thread.timing.group_wait
        if alert.transition == "resolved" or thread.log.last_sent_at is None:
            return now
        return max(now, thread.log.last_sent_at + thread.timing.group_interval)

    def _track_escalation(self, match: RouteMatch, alert: AlertEvent, record: InputRef | None, now: datetime) -> None:
        assert match.escalation is not None
        key = (match.escalation.receiver, alert.incident_id)
        timer = self._timers.get(key)
        if alert.severity == "critical" and alert.transition != "resolved":
            if timer is None:
                timer = _EscalationTimer(match.escalation, match.timing, now + match.escalation.after, alert)
                self._timers[key] = timer
            timer.latest = alert
            if record is not None:
                self.holds.hold(record)
                timer.records.append(record)
        elif timer is not None:
            del self._timers[key]
            for held in timer.records:
                self.holds.release(held)

    # -- timers -------------------------------------------------------------------------------------------

    def next_due_at(self) -> datetime | None:
        """When :meth:`take_due` will next have something to do (None: only a new alert can change that)."""
        candidates = [t.due_at for t in self._timers.values()]
        for thread in self._threads.values():
            if thread.in_flight is not None:
                continue
            if thread.pending is not None:
                candidates.append(thread.pending.due_at)
            elif (reminder := self._reminder_due(thread)) is not None:
                candidates.append(reminder)
        return min(candidates, default=None)

    @staticmethod
    def _reminder_due(thread: _Thread) -> datetime | None:
        if thread.latest is None or thread.log.resolved or not thread.log.opened or thread.log.last_sent_at is None:
            return None
        return thread.log.last_sent_at + thread.timing.repeat_interval

    def take_due(self) -> list[Job]:
        """The jobs due now; each stays in flight until :meth:`complete` or :meth:`retry`."""
        now = self.clock.now()
        self._fire_escalations(now)
        jobs: list[Job] = []
        for key, thread in list(self._threads.items()):
            if thread.in_flight is not None:
                continue
            if thread.pending is None:
                reminder = self._reminder_due(thread)
                if reminder is not None and reminder <= now and thread.latest is not None:
                    thread.pending = _Pending(thread.latest, [], reminder, reminder=True)
                elif thread.log.resolved and (thread.log.last_sent_at or now) + FORGET_AFTER < now:
                    del self._threads[key]
                    continue
            pending = thread.pending
            if pending is None or pending.due_at > now:
                continue
            job = self._job(thread, pending, now)
            if job is None:
                continue  # deferred: still pending, with a later due time
            thread.pending, thread.in_flight = None, pending
            pending.first_attempt_at = pending.first_attempt_at or now
            jobs.append(job)
        return jobs

    def _fire_escalations(self, now: datetime) -> None:
        for key, timer in list(self._timers.items()):
            if timer.due_at > now:
                continue
            del self._timers[key]
            thread = self._thread(timer.escalation.receiver, timer.latest.incident_id, timer.timing)
            thread.escalated = True
            thread.latest = timer.latest
            previous = thread.pending.records if thread.pending is not None else []
            thread.pending = _Pending(timer.latest, previous + timer.records, now)

    def _job(self, thread: _Thread, pending: _Pending, now: datetime) -> Job | None:
        alert = pending.alert
        kind: MessageKind
        if not thread.log.opened:
            kind = "open"
        elif alert.transition == "resolved":
            kind = "resolve"
        else:
            kind = "reminder" if pending.reminder else "update"
        notification_id = f"{thread.receiver.name}:{alert.event_id}"
        if pending.reminder:
            notification_id += f":repeat:{int(pending.due_at.timestamp())}"
        notification = Notification(notification_id, thread.receiver, alert, kind, thread.log.opener_ref,
                                    thread.escalated, pending.worsened)  # fmt: skip
        verdict = first_verdict(self.stages, notification, now)
        action: JobAction = "send"
        reason: str | None = None
        if verdict is not None:
            if verdict.action == "deferred":
                pending.due_at = verdict.until or now
                return None
            action = "silenced" if verdict.action == "silenced" else "suppressed"
            reason = verdict.reason
        first = pending.first_attempt_at or now
        return Job(action, notification, reason, pending.attempts, first, tuple(pending.records))

    # -- completion ---------------------------------------------------------------------------------------

    def complete(self, job: Job, receipt: DeliveryReceipt) -> None:
        """The job ended with ``receipt`` (already written to the log topic): release its records."""
        self.log.record(receipt)
        self.history.delivery(receipt)
        thread = self._threads.get(job.key)
        if thread is None or thread.in_flight is None:
            return
        done, thread.in_flight = thread.in_flight, None
        for record in done.records:
            self.holds.release(record)
        pending = thread.pending
        if pending is not None and receipt.outcome == "delivered" and not pending.reminder:
            pending.due_at = self._due(thread, pending.alert, pending.due_at)

    def retry(self, job: Job, at: datetime) -> None:
        """The job failed with a retryable error: try again at ``at`` (with any newer state folded in)."""
        thread = self._threads.get(job.key)
        if thread is None or thread.in_flight is None:
            return
        failed, thread.in_flight = thread.in_flight, None
        failed.attempts += 1
        newer = thread.pending
        if newer is not None and not newer.reminder:
            newer.records = failed.records + newer.records
            newer.worsened = newer.worsened or failed.worsened
            newer.attempts, newer.first_attempt_at = failed.attempts, failed.first_attempt_at
            newer.due_at = max(newer.due_at, at)
        else:
            failed.due_at = at
            thread.pending = failed

    # -- views --------------------------------------------------------------------------------------------

    def retrying(self) -> int:
        """Messages waiting for a retry."""
        return sum(1 for t in self._threads.values() if t.pending is not None and t.pending.attempts > 0)

    def incidents(self) -> list[dict[str, Any]]:
        """The incidents this process knows, with each receiver's thread state (for the HTTP API)."""
        by_incident: dict[str, dict[str, Any]] = {}
        for (receiver, incident_id), thread in sorted(self._threads.items(), key=lambda kv: kv[0][1]):
            alert = thread.latest
            entry = by_incident.setdefault(incident_id, {"incident_id": incident_id, "receivers": []})
            if alert is not None:
                entry.update(
                    territory_id=alert.territory_id,
                    territory_name=alert.territory_name,
                    severity=alert.severity,
                    transition=alert.transition,
                    opened_at=alert.opened_at.isoformat(),
                    status="resolved" if alert.transition == "resolved" else "open",
                )
            state = "resolved" if thread.log.resolved else ("open" if thread.log.opened else "waiting")
            entry["receivers"].append(
                {
                    "receiver": receiver,
                    "state": state,
                    "escalated": thread.escalated,
                    "last_sent_at": thread.log.last_sent_at.isoformat() if thread.log.last_sent_at else None,
                    "pending": thread.pending is not None or thread.in_flight is not None,
                }
            )
        for (receiver, incident_id), timer in self._timers.items():
            entry = by_incident.setdefault(incident_id, {"incident_id": incident_id, "receivers": []})
            entry.setdefault("escalation_due", {})[receiver] = timer.due_at.isoformat()
        return list(by_incident.values())
