"""The notification log: what was already decided for each receiver and incident (pure).

It is rebuilt at start-up by replaying ``vigie.deliveries.v1`` and extended with every receipt this
process writes. A notification whose id is in the log, or whose alert sequence is not newer than what the
receiver's thread already covered, is never sent again: a restart or a redelivered alert cannot duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vigie.schemas import DeliveryReceipt


def alert_sequence(alert_event_id: str) -> int | None:
    """The sequence in an alert event id ``'<incident_id>:<sequence>'``, if it has one."""
    tail = alert_event_id.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


@dataclass
class ThreadRecord:
    """What the log knows about one receiver's thread for one incident."""

    opener_ref: str | None = None
    opened: bool = False
    last_sent_at: datetime | None = None
    done_sequence: int = -1
    resolved: bool = False


class NotificationLog:
    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._threads: dict[tuple[str, str], ThreadRecord] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def seen(self, notification_id: str) -> bool:
        return notification_id in self._ids

    def thread(self, receiver: str, incident_id: str) -> ThreadRecord | None:
        return self._threads.get((receiver, incident_id))

    def record(self, receipt: DeliveryReceipt) -> None:
        """Add a receipt (replayed or just written). Receipts may arrive in any order."""
        self._ids.add(receipt.notification_id)
        if receipt.kind != "incident" or receipt.incident_id is None or receipt.alert_event_id is None:
            return  # digests have no thread: their notification id is all the log needs
        thread = self._threads.setdefault((receipt.receiver, receipt.incident_id), ThreadRecord())
        sequence = alert_sequence(receipt.alert_event_id)
        if sequence is not None:
            thread.done_sequence = max(thread.done_sequence, sequence)
        if receipt.outcome != "delivered":
            return
        thread.opener_ref = thread.opener_ref or receipt.thread_ref
        thread.opened = True
        if thread.last_sent_at is None or receipt.at > thread.last_sent_at:
            thread.last_sent_at = receipt.at
        if receipt.transition == "resolved":
            thread.resolved = True

    def ensure_thread(self, receiver: str, incident_id: str) -> ThreadRecord:
        """The (possibly new, empty) record of a thread; the dispatcher keeps a reference to it."""
        return self._threads.setdefault((receiver, incident_id), ThreadRecord())
