"""Delivery receipts: the notifier's log of what it sent, replayed at start-up so nothing is sent twice."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from vigie.schemas._base import Contract, Identifier, ShortText, TerritoryId
from vigie.schemas.alert import Transition

Integration = Literal["email", "slack", "teams", "webhook"]
Outcome = Literal["delivered", "failed", "silenced", "suppressed"]


class DeliveryReceipt(Contract):
    """Payload of ``vigie.deliveries.v1``: the outcome of one notification to one receiver, keyed by incident."""

    notification_id: Identifier = Field(description="'<receiver>:<alert event_id>': the deduplication key.")
    incident_id: Identifier
    alert_event_id: Identifier
    territory_id: TerritoryId
    receiver: ShortText
    integration: Integration
    transition: Transition
    outcome: Outcome
    attempts: Annotated[int, Field(ge=0)] = 0
    thread_ref: ShortText | None = Field(
        default=None, description="What later messages thread on: email Message-ID, Slack channel/ts."
    )
    error: Annotated[str, Field(max_length=2000)] | None = None
    at: AwareDatetime
