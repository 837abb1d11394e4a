"""Which digest periods are due for which receiver, and until when (pure; time is passed in).

Each subscribed receiver has a :class:`~vigie.digest.schedule.DigestSchedule` in its own time
zone (daylight-saving safe). A due delivery stays *open* from its due time until the next one of the same
receiver or ``late_limit`` after it, whichever comes first: a digest that reaches the notifier late (a
lagging classifier) or a notifier restarted after the due time still delivers, but never a stale period
next to a fresh one. The planner starts ``late_limit`` in the past, so what a restart missed is caught up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from vigie.digest.schedule import DigestSchedule, next_due
from vigie.notifier.routes_config import Receiver
from vigie.schemas import DigestPeriod


@dataclass(frozen=True)
class DueDelivery:
    """One receiver's delivery of one period: open from ``due_at`` until ``expires_at`` (exclusive)."""

    receiver: Receiver
    period: DigestPeriod
    period_date: date
    due_at: datetime
    expires_at: datetime


class DigestPlanner:
    def __init__(self, receivers: tuple[Receiver, ...], start: datetime, late_limit: timedelta) -> None:
        self._late_limit = late_limit
        self._schedules: dict[str, tuple[Receiver, DigestSchedule]] = {}
        self._next: dict[str, datetime] = {}
        self._open: list[DueDelivery] = []
        since = start - late_limit
        for receiver in receivers:
            assert receiver.digest is not None
            schedule = receiver.digest.schedule(receiver.timezone)
            self._schedules[receiver.name] = (receiver, schedule)
            self._next[receiver.name] = next_due(schedule, since)[0].due_at

    def next_due_at(self) -> datetime | None:
        """The earliest time something changes: a delivery falls due or an open one expires."""
        times = list(self._next.values()) + [d.expires_at for d in self._open]
        return min(times) if times else None

    def open_deliveries(self, now: datetime) -> list[DueDelivery]:
        """The deliveries due at ``now`` and not expired, oldest first (advances the schedules)."""
        for name, (receiver, schedule) in self._schedules.items():
            while self._next[name] <= now:
                current, following = next_due(schedule, self._next[name] - timedelta(microseconds=1), 2)
                expires = min(following.due_at, current.due_at + self._late_limit)
                self._open.append(DueDelivery(receiver, current.period, current.period_date, current.due_at, expires))
                self._next[name] = following.due_at
        self._open = sorted((d for d in self._open if d.expires_at > now), key=lambda d: d.due_at)
        return list(self._open)
