"""Delivery receipts: the notifier's log of what it sent, replayed at start-up so nothing is sent twice.

Two kinds of receipt share the topic: ``incident`` (one notification of an incident to one receiver; the
incident fields are required) and ``digest`` (one territory digest delivered to one receiver; ``digest_id``
is required and the incident fields are absent). The record key (:attr:`DeliveryReceipt.record_key`) is
the incident id for incidents and the digest id for digests, so every receipt of one subject stays in order
on one partition.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from vigie.schemas._base import Contract, Identifier, ShortText, TerritoryId, Timestamp
from vigie.schemas.alert import Transition

_INCIDENT_FIELDS = ["incident_id", "alert_event_id", "transition"]
#: The validator's rule, stated for JSON Schema readers (integrators validating receipts).
_KIND_RULE: Any = {
    "if": {"properties": {"kind": {"const": "digest"}}, "required": ["kind"]},
    "then": {"required": ["digest_id"], "not": {"anyOf": [{"required": [n]} for n in _INCIDENT_FIELDS]}},
    "else": {"required": _INCIDENT_FIELDS},
}

Integration = Literal["email", "slack", "teams", "webhook"]
Outcome = Literal["delivered", "failed", "silenced", "suppressed"]
ReceiptKind = Literal["incident", "digest"]


class DeliveryReceipt(Contract):
    """Payload of ``vigie.deliveries.v1``: the outcome of one notification (of an incident, or of a digest)
    to one receiver; keyed by incident, or by digest."""

    model_config = ConfigDict(**{**Contract.model_config, "json_schema_extra": {"allOf": [_KIND_RULE]}})

    notification_id: Identifier = Field(
        description="'<receiver>:<alert event_id>' or, for digests, '<receiver>:<digest_id>': the deduplication key."
    )
    kind: ReceiptKind = Field(
        default="incident", description="What was delivered: an incident notification or a digest."
    )
    incident_id: Identifier | None = Field(
        default=None, description="Required for kind 'incident'; absent for digests."
    )
    alert_event_id: Identifier | None = Field(
        default=None, description="Required for kind 'incident'; absent for digests."
    )
    digest_id: Identifier | None = Field(default=None, description="Required for kind 'digest'; absent for incidents.")
    territory_id: TerritoryId
    receiver: ShortText
    integration: Integration
    transition: Transition | None = Field(default=None, description="Required for kind 'incident'; absent for digests.")
    outcome: Outcome
    attempts: Annotated[int, Field(ge=0)] = 0
    thread_ref: ShortText | None = Field(
        default=None, description="What later messages thread on: email Message-ID, Slack channel/ts."
    )
    error: Annotated[str, Field(max_length=2000)] | None = None
    at: Timestamp

    @model_validator(mode="after")
    def _fields_of_kind(self) -> DeliveryReceipt:
        if self.kind == "incident":
            missing = [n for n in ("incident_id", "alert_event_id", "transition") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"an incident receipt needs {', '.join(missing)}")
            if self.digest_id is not None:
                raise ValueError("an incident receipt has no digest_id")
        else:
            if self.digest_id is None:
                raise ValueError("a digest receipt needs digest_id")
            present = [n for n in ("incident_id", "alert_event_id", "transition") if getattr(self, n) is not None]
            if present:
                raise ValueError(f"a digest receipt has no {', '.join(present)}")
        return self

    @property
    def record_key(self) -> str:
        """The Kafka record key: the incident id, or the digest id for a digest receipt."""
        key = self.incident_id if self.kind == "incident" else self.digest_id
        assert key is not None  # guaranteed by the validator
        return key
