"""Silences: mute the notifications whose alert matches every matcher, until they expire (pure).

A silenced notification is not sent; its receipt says ``silenced`` so it is never sent later either
(a redelivered alert stays silent even if the silence has expired meanwhile).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from vigie.notifier.matchers import Matcher, alert_labels, matches_all
from vigie.schemas import AlertEvent


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "matchers": [str(m) for m in self.matchers],
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "created_by": self.created_by,
            "comment": self.comment,
        }
        if now is not None:
            data["state"] = "active" if self.active(now) else ("pending" if now < self.starts_at else "expired")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Silence:
        return cls(
            id=str(data["id"]),
            matchers=tuple(Matcher.parse(m) for m in data["matchers"]),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            created_by=str(data.get("created_by", "")),
            comment=str(data.get("comment", "")),
        )


class SilenceError(ValueError):
    """A silence request is invalid (no matcher, end before start, unknown id)."""


class Silences:
    """The set of silences, in memory. Persistence (a JSON file) is the service's business."""

    def __init__(self, silences: list[Silence] | None = None) -> None:
        self._by_id: dict[str, Silence] = {s.id: s for s in silences or []}

    def add(
        self,
        matchers: tuple[Matcher, ...],
        starts_at: datetime,
        ends_at: datetime,
        created_by: str = "",
        comment: str = "",
    ) -> Silence:
        if not matchers:
            raise SilenceError("a silence needs at least one matcher")
        if ends_at <= starts_at:
            raise SilenceError("a silence must end after it starts")
        silence = Silence(uuid.uuid4().hex[:12], matchers, starts_at, ends_at, created_by[:128], comment[:1000])
        self._by_id[silence.id] = silence
        return silence

    def expire(self, silence_id: str, now: datetime) -> Silence:
        silence = self._by_id.get(silence_id)
        if silence is None:
            raise SilenceError(f"no silence {silence_id!r}")
        expired = replace(silence, ends_at=min(silence.ends_at, now), starts_at=min(silence.starts_at, now))
        self._by_id[silence_id] = expired
        return expired

    def all(self) -> list[Silence]:
        return sorted(self._by_id.values(), key=lambda s: s.starts_at)

    def silencing(self, alert: AlertEvent, now: datetime) -> Silence | None:
        """The first active silence that matches ``alert``, if any."""
        labels = alert_labels(alert)
        for silence in self._by_id.values():
            if silence.active(now) and matches_all(silence.matchers, labels):
                return silence
        return None
