"""The topic registry: one entry per topic, the single source of truth for names, keys and models.

Services, the embedded broker, the AsyncAPI document, the Kubernetes ``KafkaTopic`` resources and the tests
all read this table; nothing else hard-codes a topic name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from vigie.schemas._base import Contract
from vigie.schemas.alert import AlertEvent
from vigie.schemas.deadletter import DeadLetter
from vigie.schemas.delivery import DeliveryReceipt
from vigie.schemas.digest import DigestEvent
from vigie.schemas.feedback import FeedbackEvent
from vigie.schemas.mention import RawMention, ScoredMention

Service = Literal["collector", "classifier", "notifier", "integrators"]


@dataclass(frozen=True)
class TopicSpec:
    """What a topic carries and who uses it."""

    name: str
    description: str
    value_model: type[Contract]
    key_field: str
    partitions: int
    producers: tuple[Service, ...]
    consumers: tuple[Service, ...]
    dead_letter: str | None
    #: CloudEvents ``type`` of a payload; depends on the payload for lifecycle topics.
    event_type: Callable[[Any], str]
    #: CloudEvents ``id``: unique per event, stable across re-sends of the same event.
    event_id: Callable[[Any], str]
    #: CloudEvents ``subject``: the territory (or the failing topic for dead letters).
    subject: Callable[[Any], str]
    retention_ms: int = 7 * 24 * 3600 * 1000
    cleanup_policy: Literal["delete", "compact"] = "delete"

    def key_of(self, payload: Contract) -> str:
        """The record key for ``payload``: the value of ``key_field``."""
        return str(getattr(payload, self.key_field))

    def event_types(self) -> tuple[str, ...]:
        """Every CloudEvents type this topic may carry (for documentation)."""
        return _EVENT_TYPES[self.name]


DEADLETTER = "vigie.deadletter.v1"
MENTIONS_RAW = "vigie.mentions.raw.v1"
MENTIONS_SCORED = "vigie.mentions.scored.v1"
ALERTS = "vigie.alerts.v1"
DELIVERIES = "vigie.deliveries.v1"
DIGESTS = "vigie.digests.v1"
FEEDBACK = "vigie.feedback.v1"

_TRANSITIONS = ("raised", "updated", "escalated", "resolved")
_OUTCOMES = ("delivered", "failed", "silenced", "suppressed")
_DIGEST_PERIODS = ("day", "week")
_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    MENTIONS_RAW: ("org.vigie.mention.raw.v1",),
    MENTIONS_SCORED: ("org.vigie.mention.scored.v1",),
    ALERTS: tuple(f"org.vigie.alert.{t}.v1" for t in _TRANSITIONS),
    DELIVERIES: tuple(f"org.vigie.delivery.{o}.v1" for o in _OUTCOMES),
    DIGESTS: tuple(f"org.vigie.digest.{p}.v1" for p in _DIGEST_PERIODS),
    DEADLETTER: ("org.vigie.deadletter.v1",),
    FEEDBACK: tuple(f"org.vigie.feedback.{a}.v1" for a in ("acknowledged", "silenced", "false_alarm", "real_crisis")),
}

TOPICS: dict[str, TopicSpec] = {
    spec.name: spec
    for spec in (
        TopicSpec(
            name=MENTIONS_RAW,
            description="Mentions collected from the sources, one record per (mention, territory).",
            value_model=RawMention,
            key_field="territory_id",
            partitions=3,
            producers=("collector",),
            consumers=("classifier", "integrators"),
            dead_letter=DEADLETTER,
            event_type=lambda m: "org.vigie.mention.raw.v1",
            event_id=lambda m: f"{m.mention_id}@{m.territory_id}",
            subject=lambda m: m.territory_id,
        ),
        TopicSpec(
            name=MENTIONS_SCORED,
            description="Mentions with their detected language and sentiment; same key and partitioning as raw.",
            value_model=ScoredMention,
            key_field="territory_id",
            partitions=3,
            producers=("classifier",),
            consumers=("classifier", "integrators"),
            dead_letter=DEADLETTER,
            event_type=lambda m: "org.vigie.mention.scored.v1",
            event_id=lambda m: f"{m.mention_id}@{m.territory_id}",
            subject=lambda m: m.territory_id,
        ),
        TopicSpec(
            name=ALERTS,
            description="Incident lifecycle events: raised, updated, escalated, resolved; keyed by incident.",
            value_model=AlertEvent,
            key_field="incident_id",
            partitions=3,
            producers=("classifier",),
            consumers=("notifier", "integrators"),
            dead_letter=DEADLETTER,
            event_type=lambda a: f"org.vigie.alert.{a.transition}.v1",
            event_id=lambda a: a.event_id,
            subject=lambda a: a.territory_id,
        ),
        TopicSpec(
            name=DELIVERIES,
            description=(
                "The notifier's log: one receipt per notification (incident or digest) and receiver; replayed "
                "at start-up; keyed by incident, or by digest."
            ),
            value_model=DeliveryReceipt,
            key_field="record_key",
            partitions=3,
            producers=("notifier",),
            consumers=("notifier", "integrators"),
            dead_letter=DEADLETTER,
            event_type=lambda d: f"org.vigie.delivery.{d.outcome}.v1",
            event_id=lambda d: f"{d.notification_id}/{d.outcome}",
            subject=lambda d: d.territory_id,
            retention_ms=30 * 24 * 3600 * 1000,
        ),
        TopicSpec(
            name=DIGESTS,
            description=(
                "The image of a territory over a day or a week (volume and share by source and language, "
                "sentiment, themes, top posts, incidents, ambassadors); emitted when event time passes the "
                "period's end; keyed by territory."
            ),
            value_model=DigestEvent,
            key_field="territory_id",
            partitions=3,
            producers=("classifier",),
            consumers=("notifier", "integrators"),
            dead_letter=DEADLETTER,
            event_type=lambda d: f"org.vigie.digest.{d.period}.v1",
            event_id=lambda d: d.digest_id,
            subject=lambda d: d.territory_id,
            retention_ms=30 * 24 * 3600 * 1000,
        ),
        TopicSpec(
            name=FEEDBACK,
            description=(
                "What people did about incidents (acknowledged, silenced, false alarm, real crisis), from the "
                "incident page, Slack or the API; one record per action (action_id is the idempotency key); "
                "keyed by incident. The notifier reads it back at start-up (audit trail, idempotency). A "
                "false_alarm is a verdict on the whole incident that changes nothing by itself; the classifier "
                "may learn from it (bounded, temporary, per territory; not wired yet): see docs/feedback.md."
            ),
            value_model=FeedbackEvent,
            key_field="incident_id",
            partitions=3,
            producers=("notifier",),
            consumers=("notifier", "integrators"),
            dead_letter=DEADLETTER,
            event_type=lambda f: f"org.vigie.feedback.{f.action}.v1",
            event_id=lambda f: f.action_id,
            subject=lambda f: f.territory_id,
            retention_ms=365 * 24 * 3600 * 1000,
        ),
        TopicSpec(
            name=DEADLETTER,
            description="Records that could not be processed, with the reason; keyed by the topic they came from.",
            value_model=DeadLetter,
            key_field="topic",
            partitions=1,
            producers=("collector", "classifier", "notifier"),
            consumers=("integrators",),
            dead_letter=None,
            event_type=lambda d: "org.vigie.deadletter.v1",
            event_id=lambda d: f"{d.service}/{d.topic}/{d.partition}/{d.offset}/{d.failed_at.isoformat()}",
            subject=lambda d: d.topic,
            retention_ms=30 * 24 * 3600 * 1000,
        ),
    )
}


def topic(name: str) -> TopicSpec:
    """The registry entry for ``name``; ``KeyError`` names the known topics."""
    try:
        return TOPICS[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; known: {', '.join(TOPICS)}") from None
