"""The incidents of a period, from the alert events of ``vigie.alerts.v1``.

The ledger keeps, per incident, the event times and transitions it has seen, so that the state of an
incident *at a period's end* is computed from the events before that end only: whether the alerts arrive
before or after the mentions of the same hour, the digest is the same (event time, not arrival order).
Redelivered events (same ``event_id``) are counted once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vigie.schemas import SEVERITY_RANK, AlertEvent, DigestIncident, Severity, Transition

#: Events remembered per incident (updates are rate-limited upstream; this only bounds a pathological one).
MAX_EVENTS_PER_INCIDENT = 500


@dataclass(frozen=True, slots=True)
class IncidentStep:
    event_id: str
    sequence: int
    transition: Transition
    severity: Severity
    event_time: datetime
    top_terms: tuple[str, ...]


@dataclass
class IncidentRecord:
    incident_id: str
    territory_id: str
    opened_at: datetime
    steps: list[IncidentStep] = field(default_factory=list)

    def as_of(self, end: datetime) -> DigestIncident | None:
        """The incident as known at ``end`` (exclusive), or None if it had not opened yet."""
        steps = [step for step in self.steps if step.event_time < end]
        if self.opened_at >= end or not steps:
            return None
        last = max(steps, key=lambda step: step.sequence)
        severity = max((step.severity for step in steps), key=SEVERITY_RANK.__getitem__)
        resolved = next((step.event_time for step in steps if step.transition == "resolved"), None)
        terms = next(
            (step.top_terms for step in reversed(sorted(steps, key=lambda s: s.sequence)) if step.top_terms), ()
        )
        return DigestIncident(
            incident_id=self.incident_id,
            severity=severity,
            opened_at=self.opened_at,
            resolved_at=resolved,
            outcome="resolved" if resolved is not None else "ongoing",
            last_transition=last.transition,
            events=len(steps),
            top_terms=terms[:5],
        )


@dataclass
class IncidentLedger:
    """Every incident seen, by territory; pruned once resolved long enough before the watermark."""

    incidents: dict[str, IncidentRecord] = field(default_factory=dict)
    #: Earliest time of a ``resolved`` step in the ledger (None: none), so that :meth:`prune`, called for
    #: every mention, scans the incidents only when one may go.
    _earliest_resolved: datetime | None = field(default=None, compare=False, repr=False)

    def observe(self, alert: AlertEvent) -> bool:
        """Record an alert event; False if it was already recorded."""
        record = self.incidents.get(alert.incident_id)
        if record is None:
            record = IncidentRecord(alert.incident_id, alert.territory_id, alert.opened_at)
            self.incidents[alert.incident_id] = record
        if any(step.event_id == alert.event_id for step in record.steps):
            return False
        if len(record.steps) >= MAX_EVENTS_PER_INCIDENT and alert.transition != "resolved":
            return False
        terms = tuple(term.term for term in alert.evidence.terms[:5])
        record.steps.append(
            IncidentStep(alert.event_id, alert.sequence, alert.transition, alert.severity, alert.event_time, terms)
        )
        if alert.transition == "resolved" and (
            self._earliest_resolved is None or alert.event_time < self._earliest_resolved
        ):
            self._earliest_resolved = alert.event_time
        return True

    def during(self, territory_id: str, start: datetime, end: datetime) -> tuple[DigestIncident, ...]:
        """Incidents of a territory open at some time in [start, end), as of ``end``, oldest first."""
        found: list[DigestIncident] = []
        for record in self.incidents.values():
            if record.territory_id != territory_id:
                continue
            incident = record.as_of(end)
            if incident is None or (incident.resolved_at is not None and incident.resolved_at < start):
                continue
            found.append(incident)
        found.sort(key=lambda incident: (incident.opened_at, incident.incident_id))
        return tuple(found[-50:])

    @property
    def resolved(self) -> bool:
        """Whether a resolved incident is remembered (:meth:`prune` has something to forget)."""
        return self._earliest_resolved is not None

    def prune(self, before: datetime) -> None:
        """Forget incidents resolved before ``before`` (event time)."""
        if self._earliest_resolved is None or self._earliest_resolved >= before:
            return
        for incident_id in [
            incident_id
            for incident_id, record in self.incidents.items()
            if any(step.transition == "resolved" and step.event_time < before for step in record.steps)
        ]:
            del self.incidents[incident_id]
        self._earliest_resolved = self._first_resolved()

    def _first_resolved(self) -> datetime | None:
        times = [
            step.event_time
            for record in self.incidents.values()
            for step in record.steps
            if step.transition == "resolved"
        ]
        return min(times, default=None)

    def to_state(self) -> list[dict[str, Any]]:
        return [
            {
                "incident_id": record.incident_id,
                "territory_id": record.territory_id,
                "opened_at": record.opened_at.isoformat(),
                "steps": [
                    {
                        "event_id": step.event_id,
                        "sequence": step.sequence,
                        "transition": step.transition,
                        "severity": step.severity,
                        "event_time": step.event_time.isoformat(),
                        "top_terms": list(step.top_terms),
                    }
                    for step in record.steps
                ],
            }
            for record in self.incidents.values()
        ]

    @classmethod
    def from_state(cls, state: list[Mapping[str, Any]]) -> IncidentLedger:
        ledger = cls()
        for item in state:
            record = IncidentRecord(
                item["incident_id"], item["territory_id"], datetime.fromisoformat(item["opened_at"])
            )
            record.steps = [
                IncidentStep(
                    step["event_id"],
                    step["sequence"],
                    step["transition"],
                    step["severity"],
                    datetime.fromisoformat(step["event_time"]),
                    tuple(step["top_terms"]),
                )
                for step in item["steps"]
            ]
            ledger.incidents[record.incident_id] = record
        ledger._earliest_resolved = ledger._first_resolved()
        return ledger


#: How long a resolved incident is kept: it may still belong to a weekly digest that has not closed.
RETENTION = timedelta(days=8)
