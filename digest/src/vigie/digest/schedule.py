"""When digests are due for a receiver, in the receiver's time zone, across daylight-saving changes.

A daily schedule at 08:00 delivers, each local day at 08:00, the digest of the previous local day; a weekly
schedule (Monday 08:00 by default) delivers the digest of the previous ISO week (Monday to Sunday). A due
time skipped by a daylight-saving change (02:30 on the last Sunday of March in Paris) moves forward by the
gap; a repeated one (02:30 on the last Sunday of October) is due at its first occurrence.

The covered period is named by its local start date; the notifier fetches the digest of each territory
with that ``period`` and ``period_date`` (digests are cut in the *territory's* time zone, which is the
receiver's in every realistic deployment; when they differ, the period is the territory's calendar day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vigie.digest.periods import local_instant
from vigie.schemas import DigestPeriod


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """A receiver's digest schedule: ``period`` digests delivered at local ``at`` (on ``weekday`` for weeks,
    0 = Monday) in ``timezone``."""

    period: DigestPeriod
    timezone: str
    at: time = time(8, 0)
    weekday: int = 0

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")


@dataclass(frozen=True, slots=True)
class DueDigest:
    """One delivery: when (UTC) and which period (kind and local start date) it covers."""

    due_at: datetime
    period: DigestPeriod
    period_date: date


def _covered(schedule: DigestSchedule, local_day: date) -> date:
    if schedule.period == "day":
        return local_day - timedelta(days=1)
    this_monday = local_day - timedelta(days=local_day.weekday())
    return this_monday - timedelta(days=7)


def next_due(schedule: DigestSchedule, after: datetime, count: int = 1) -> list[DueDigest]:
    """The next ``count`` deliveries strictly after the aware instant ``after``, in order."""
    if after.tzinfo is None:
        raise ValueError("`after` must be timezone-aware")
    zone = ZoneInfo(schedule.timezone)
    local_day = after.astimezone(zone).date() - timedelta(days=1)
    found: list[DueDigest] = []
    while len(found) < count:
        if schedule.period == "day" or local_day.weekday() == schedule.weekday:
            due_at = local_instant(local_day, schedule.at, zone)
            if due_at > after.astimezone(UTC):
                found.append(DueDigest(due_at, schedule.period, _covered(schedule, local_day)))
        local_day += timedelta(days=1)
    return found
