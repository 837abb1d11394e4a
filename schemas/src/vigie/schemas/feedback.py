"""Feedback on incidents: what people did about an alert, from the incident page, Slack or the API.

One record per accepted action, keyed by incident. ``action_id`` is the idempotency key: the same form
submitted twice, or a Slack button clicked twice, yields one record. Integrators can audit who did what.

A ``false_alarm`` (reason required) is a person's verdict that the incident, as raised, was not a crisis the
team needed to act on; it resolves and silences nothing by itself, and the latest verdict of an incident
stands (a later ``real_crisis`` replaces it). The classifier may learn from it: a bounded, temporary rise of
that territory's thresholds, cancelled by ``real_crisis``, applied at a defined point of its event-time clock
so backtests agree (not wired yet). The full semantics and rules are in ``docs/feedback.md``.
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
    action: FeedbackAction = Field(
        description=(
            "acknowledged: someone handles it; silenced: the territory's notifications are silenced until "
            "silence_until; false_alarm: the incident, as raised, was not a crisis to act on (a verdict on the "
            "whole incident: it resolves and silences nothing); real_crisis: it was. The latest verdict of an "
            "incident stands. See docs/feedback.md."
        )
    )
    actor: ShortText = Field(
        description=(
            "Who acted, as they named themselves (page, API: not an authenticated identity) or their Slack user id."
        )
    )
    channel: FeedbackChannel
    at: Timestamp = Field(description="When the notifier accepted the action (wall-clock time, not event time).")
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="Why (required for false_alarm; untrusted free text, for people, never parsed)."
    )
    silence_until: Timestamp | None = Field(default=None, description="For 'silenced': when the silence ends.")
