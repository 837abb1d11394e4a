"""What the demo shows while it runs: counts per topic and the incident timeline, from the topics themselves."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from vigie.demo.scenario import PARIS
from vigie.schemas import (
    ALERTS,
    DEADLETTER,
    DELIVERIES,
    MENTIONS_RAW,
    MENTIONS_SCORED,
    AlertEvent,
    DecodeError,
    DeliveryReceipt,
    ScoredMention,
    decode,
)


@dataclass
class Timeline:
    """Everything the demo observed on the topics, in arrival order."""

    counts: Counter[str] = field(default_factory=Counter)
    sentiments: Counter[str] = field(default_factory=Counter)
    territories: Counter[str] = field(default_factory=Counter)
    alerts: list[AlertEvent] = field(default_factory=list)
    deliveries: list[DeliveryReceipt] = field(default_factory=list)
    raw_values: list[bytes] = field(default_factory=list)
    undecodable: int = 0
    last_change: float = field(default_factory=time.monotonic)
    alert_seen_at: dict[str, float] = field(default_factory=dict)

    def observe(self, topic: str, value: bytes | None, headers: list[tuple[str, bytes]]) -> str | None:
        """Record one record; return a line for the timeline when it is an alert or a delivery."""
        self.counts[topic] += 1
        if topic == MENTIONS_RAW and value is not None:
            self.raw_values.append(value)
        if topic in (MENTIONS_RAW, DEADLETTER):
            return None
        try:
            payload = decode(topic, value, headers)
        except DecodeError:
            self.undecodable += 1
            return None
        if isinstance(payload, ScoredMention) and topic == MENTIONS_SCORED:
            self.sentiments[payload.sentiment] += 1
            self.territories[payload.territory_id] += 1
            return None
        self.last_change = time.monotonic()
        if isinstance(payload, AlertEvent) and topic == ALERTS:
            self.alerts.append(payload)
            self.alert_seen_at.setdefault(payload.event_id, time.monotonic())
            local = payload.event_time.astimezone(PARIS).strftime("%H:%M %Z")
            sig = payload.significance
            return (
                f"[bold]{payload.transition.upper():9}[/] {payload.territory_name} — {payload.severity}, "
                f"{sig.observed:.0f} negative mentions vs {sig.expected:.2f} expected (event time {local})"
            )
        if isinstance(payload, DeliveryReceipt) and topic == DELIVERIES:
            self.deliveries.append(payload)
            what = payload.transition if payload.kind == "incident" else f"digest {payload.digest_id}"
            return f"  ↳ {payload.integration} to {payload.receiver}: {payload.outcome} ({what})"
        return None

    def incidents(self) -> dict[str, list[AlertEvent]]:
        by_incident: dict[str, list[AlertEvent]] = {}
        for alert in self.alerts:
            by_incident.setdefault(alert.incident_id, []).append(alert)
        return by_incident

    def quiet_for(self) -> float:
        return time.monotonic() - self.last_change
