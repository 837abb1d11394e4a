"""Feedback on incidents: what people did about an alert, from the incident page, Slack or the API.

One record per accepted action, keyed by incident. ``action_id`` is the idempotency key: the same form
submitted twice, or a Slack button clicked twice, yields one record. Integrators can audit who did what;
the classifier may learn from ``false_alarm`` verdicts (e.g. raise the territory's threshold for the
kind of surge that proved harmless) and from ``real_crisis`` ones (keep it).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from vigie.schemas._base import Contract, Identifier, ShortText, TerritoryId, Timestamp

FeedbackAction = Literal["acknowledged", "silenced", "false_alarm", "real_crisis"]
FeedbackChannel = Literal["page", "slack", "api"]


class FeedbackEvent(Contract):
    """Payload of ``vigie.feedback.v1``: one action taken on one incident."""

    action_id: Identifier = Field(description="Idempotency key: one record per action, however often it is sent.")
    incident_id: Identifier
    territory_id: TerritoryId
    action: FeedbackAction
    actor: ShortText = Field(description="Who acted, as they named themselves (page, API) or their Slack user id.")
    channel: FeedbackChannel
    at: Timestamp
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="Why (a false alarm's reason, a comment)."
    )
    silence_until: Timestamp | None = Field(default=None, description="For 'silenced': when the silence ends.")
