"""What an integration is asked to deliver: one message about one incident to one receiver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vigie.notifier.routes_config import Receiver
from vigie.schemas import AlertEvent

#: ``open`` starts the receiver's thread; the others are posted in it.
MessageKind = Literal["open", "update", "reminder", "resolve"]


@dataclass(frozen=True)
class Notification:
    notification_id: str
    receiver: Receiver
    alert: AlertEvent
    kind: MessageKind
    #: The ``thread_ref`` returned when the thread was opened (email Message-ID, Slack ``channel/ts``).
    thread_ref: str | None
    #: True when this receiver hears about the incident because it was escalated to them.
    escalated: bool = False
    #: True when the incident escalated since this receiver's previous message, even if later events were folded
    #: into this one (an update that carries an escalation reads as "worsened").
    worsened: bool = False
