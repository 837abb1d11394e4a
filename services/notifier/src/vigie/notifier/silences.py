"""Silences: mute the notifications whose alert matches every matcher, until they expire (pure).

A silenced notification is not sent; its receipt says ``silenced`` so it is never sent later either
(a redelivered alert stays silent even if the silence has expired meanwhile).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
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
        """A stored silence; ValueError, KeyError or TypeError when this version cannot use it."""
        silence = cls(
            id=str(data["id"]),
            matchers=tuple(Matcher.parse(m) for m in data["matchers"]),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            created_by=str(data.get("created_by", "")),
            comment=str(data.get("comment", "")),
        )
        if not silence.matchers:
            raise ValueError("a silence needs at least one matcher")
        if silence.starts_at.tzinfo is None or silence.ends_at.tzinfo is None:
            raise ValueError("silence times need a time zone offset")
        return silence


@dataclass(frozen=True)
class SilenceLimits:
    """Bounds on what one API caller can ask for: a silence is a write that mutes alerts, so none of it is
    left unbounded (defaults fit any real use; the API answers 400 with the bound when one is exceeded)."""

    max_duration: timedelta = timedelta(days=90)
    max_matchers: int = 16
    max_comment_chars: int = 1000
    max_author_chars: int = 128
    #: Silences not yet expired (active or pending) at once.
    max_unexpired: int = 1000
    #: Expired silences are listed for this long, then forgotten (keeps the file bounded).
    keep_expired: timedelta = timedelta(days=7)


class SilenceError(ValueError):
    """A silence request is invalid (no matcher, end before start, a bound exceeded, unknown id)."""


class Silences:
    """The set of silences, in memory. Persistence (a JSON file) is the service's business."""

    def __init__(self, silences: list[Silence] | None = None, limits: SilenceLimits | None = None) -> None:
        self._by_id: dict[str, Silence] = {s.id: s for s in silences or []}
        self.limits = limits or SilenceLimits()

    def add(
        self,
        matchers: tuple[Matcher, ...],
        starts_at: datetime,
        ends_at: datetime,
        created_by: str = "",
        comment: str = "",
        now: datetime | None = None,
    ) -> Silence:
        """Add a silence; :class:`SilenceError` says which rule or bound it breaks."""
        limits = self.limits
        if not matchers:
            raise SilenceError("a silence needs at least one matcher")
        if len(matchers) > limits.max_matchers:
            raise SilenceError(f"{len(matchers)} matchers: a silence has at most {limits.max_matchers}")
        if ends_at <= starts_at:
            raise SilenceError("a silence must end after it starts")
        now = now or starts_at
        if ends_at - max(starts_at, now) > limits.max_duration:
            raise SilenceError(f"a silence lasts at most {limits.max_duration.days} days")
        if starts_at - now > limits.max_duration:
            raise SilenceError(f"a silence starts within {limits.max_duration.days} days")
        if len(comment) > limits.max_comment_chars:
            raise SilenceError(f"comment of {len(comment)} characters: at most {limits.max_comment_chars}")
        if len(created_by) > limits.max_author_chars:
            raise SilenceError(f"created_by of {len(created_by)} characters: at most {limits.max_author_chars}")
        self._forget_expired(now)
        unexpired = sum(1 for s in self._by_id.values() if s.ends_at > now)
        if unexpired >= limits.max_unexpired:
            raise SilenceError(f"{unexpired} silences are active or pending: at most {limits.max_unexpired}")
        silence = Silence(uuid.uuid4().hex[:12], matchers, starts_at, ends_at, created_by, comment)
        self._by_id[silence.id] = silence
        return silence

    def _forget_expired(self, now: datetime) -> None:
        cutoff = now - self.limits.keep_expired
        for silence_id in [s.id for s in self._by_id.values() if s.ends_at < cutoff]:
            del self._by_id[silence_id]

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
