"""What this notifier knows about each incident, for its page: the alert events (timeline), the deliveries
(who received what), and what people did (acknowledged, silenced, false alarm, real crisis) (pure).

Actions are idempotent and audited: each carries an ``action_id`` (the form's nonce, Slack's action
timestamp, the API caller's key); an id already seen changes nothing and yields no new feedback. Every
accepted action is kept in the audit trail in order. The first acknowledgement is *the* acknowledgement
(who, when); the latest verdict (false alarm or real crisis) stands.

Bounded: at most ``capacity`` incidents (the least recently touched forgotten first), each with at most
:data:`MAX_ENTRIES` timeline, delivery and audit entries. Kept in memory: after a restart the page knows the
incidents whose alerts and receipts it sees again, and their audit trail from the feedback it published
(:meth:`IncidentHistory.recorded`), so an action retried after a restart is still recognised.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from vigie.schemas import AlertEvent, DeliveryReceipt, FeedbackAction, FeedbackEvent
from vigie.schemas.feedback import FeedbackChannel

MAX_ENTRIES = 500
_MAX_ACTOR_CHARS = 120
_MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class TimelineEntry:
    sequence: int
    transition: str
    severity: str
    event_time: datetime
    observed: float
    expected: float
    ratio: float


@dataclass(frozen=True)
class DeliveryEntry:
    at: datetime
    receiver: str
    integration: str
    transition: str | None
    outcome: str
    error: str | None


@dataclass
class IncidentRecord:
    incident_id: str
    territory_id: str
    latest: AlertEvent
    timeline: list[TimelineEntry] = field(default_factory=list)
    deliveries: list[DeliveryEntry] = field(default_factory=list)
    audit: list[FeedbackEvent] = field(default_factory=list)
    acknowledged: FeedbackEvent | None = None
    verdict: FeedbackEvent | None = None
    action_ids: set[str] = field(default_factory=set)


class ActionError(ValueError):
    """An action that cannot be taken (unknown incident, missing reason, bad text): say which."""


class IncidentHistory:
    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._records: OrderedDict[str, IncidentRecord] = OrderedDict()

    def __len__(self) -> int:
        return len(self._records)

    def get(self, incident_id: str) -> IncidentRecord | None:
        return self._records.get(incident_id)

    def _touch(self, record: IncidentRecord) -> None:
        self._records[record.incident_id] = record
        self._records.move_to_end(record.incident_id)
        while len(self._records) > self.capacity:
            self._records.popitem(last=False)

    def alert(self, alert: AlertEvent) -> None:
        """Account one alert event (redeliveries and out-of-order events are fine)."""
        record = self._records.get(alert.incident_id)
        if record is None:
            record = IncidentRecord(alert.incident_id, alert.territory_id, alert)
        if any(entry.sequence == alert.sequence for entry in record.timeline):
            return
        if alert.sequence >= record.latest.sequence:
            record.latest = alert
        sig = alert.significance
        record.timeline.append(
            TimelineEntry(
                alert.sequence,
                alert.transition,
                alert.severity,
                alert.event_time,
                sig.observed,
                sig.expected,
                sig.ratio,
            )
        )
        record.timeline.sort(key=lambda entry: entry.sequence)
        del record.timeline[:-MAX_ENTRIES]
        self._touch(record)

    def delivery(self, receipt: DeliveryReceipt) -> None:
        """Account one delivery receipt of an incident this history knows."""
        if receipt.incident_id is None:
            return
        record = self._records.get(receipt.incident_id)
        if record is None:
            return
        record.deliveries.append(
            DeliveryEntry(
                receipt.at, receipt.receiver, receipt.integration, receipt.transition, receipt.outcome, receipt.error
            )
        )
        del record.deliveries[:-MAX_ENTRIES]

    def act(
        self,
        incident_id: str,
        action: FeedbackAction,
        actor: str,
        channel: FeedbackChannel,
        at: datetime,
        action_id: str,
        reason: str | None = None,
        silence_until: datetime | None = None,
    ) -> FeedbackEvent | None:
        """Record an action; the feedback event to publish, or None when ``action_id`` was already applied."""
        record = self._records.get(incident_id)
        if record is None:
            raise ActionError("unknown incident (it may be older than this notifier's memory)")
        actor = " ".join(actor.split())[:_MAX_ACTOR_CHARS]
        if not actor:
            raise ActionError("say who you are")
        reason = " ".join((reason or "").split())[:_MAX_REASON_CHARS] or None
        if action == "false_alarm" and reason is None:
            raise ActionError("a false alarm needs a reason")
        if action_id[:512] in record.action_ids:
            return None
        event = FeedbackEvent(
            action_id=action_id[:512],
            incident_id=incident_id,
            territory_id=record.territory_id,
            action=action,
            actor=actor,
            channel=channel,
            at=at,
            reason=reason,
            silence_until=silence_until,
        )
        self._apply(record, event)
        return event

    def recorded(self, event: FeedbackEvent) -> None:
        """Account an action already accepted and published (the feedback topic read back at start-up): its
        audit entry, acknowledgement or verdict, and its ``action_id``; an id already seen, or an incident this
        history does not know, changes nothing."""
        record = self._records.get(event.incident_id)
        if record is None or event.action_id in record.action_ids:
            return
        self._apply(record, event)

    @staticmethod
    def _apply(record: IncidentRecord, event: FeedbackEvent) -> None:
        record.action_ids.add(event.action_id)
        record.audit.append(event)
        del record.audit[:-MAX_ENTRIES]
        if event.action == "acknowledged" and record.acknowledged is None:
            record.acknowledged = event
        if event.action in ("false_alarm", "real_crisis"):
            record.verdict = event
