"""Calendar periods cut in a territory's time zone: a day (local midnight to local midnight, 23 or 25 hours
across a daylight-saving change) or an ISO week (Monday 00:00 local to the next Monday).

A period is identified by its kind and its local start date; its bounds are UTC instants, so that event
times (``published_at``) are assigned to periods without ambiguity.

Periods exist for instants from :data:`FIRST_INSTANT` to :data:`LAST_INSTANT` (a year inside the range of
``datetime`` at both ends, so that a period, its neighbours and the grace and retention arithmetic around it
stay representable); :func:`period_containing` raises :class:`PeriodOutOfRangeError` for any other instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vigie.schemas import DigestPeriod

HOUR = timedelta(hours=1)
#: The first and last instants that have a period (see the module docstring).
FIRST_INSTANT = datetime(2, 1, 1, tzinfo=UTC)
LAST_INSTANT = datetime(9998, 12, 31, tzinfo=UTC)


class PeriodOutOfRangeError(ValueError):
    """An instant outside :data:`FIRST_INSTANT`..:data:`LAST_INSTANT`: it belongs to no period."""


def in_range(instant: datetime) -> bool:
    """Whether the aware ``instant`` has periods."""
    return FIRST_INSTANT <= instant < LAST_INSTANT


#: A day inside :data:`FIRST_INSTANT`..:data:`LAST_INSTANT`, as POSIX timestamps (see :func:`in_range_at`).
_SURELY_AFTER_FIRST = (FIRST_INSTANT + timedelta(days=1)).timestamp()
_SURELY_BEFORE_LAST = (LAST_INSTANT - timedelta(days=1)).timestamp()


def in_range_at(instant: datetime, at: float) -> bool:
    """:func:`in_range` of ``instant`` whose ``timestamp()`` is ``at``: two float comparisons (aware datetimes of
    other zones compare through ``utcoffset`` calls), except within a day of either end, where a float no longer
    tells microseconds apart and :func:`in_range` decides."""
    return _SURELY_AFTER_FIRST < at < _SURELY_BEFORE_LAST or in_range(instant)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``day`` 00:00 in ``zone`` (the first valid instant if midnight is skipped)."""
    return local_instant(day, time(0), zone)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of the local wall time ``day at`` in ``zone``.

    A wall time skipped by a daylight-saving change (02:30 on the last Sunday of March in Paris) moves
    forward by the gap (03:30); a repeated one (02:30 on the last Sunday of October) is its first occurrence.
    """
    # PEP 495: with fold=0 a skipped time takes the offset before the change (so it lands after the gap)
    # and a repeated time its first occurrence.
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Period:
    """One day or ISO week of a time zone; ``start`` inclusive, ``end`` exclusive, both UTC."""

    kind: DigestPeriod
    day: date
    timezone: str
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.day.isoformat()}"

    def previous(self) -> Period:
        step = timedelta(days=1 if self.kind == "day" else 7)
        return period_starting(self.kind, self.day - step, self.timezone)

    def following(self) -> Period:
        step = timedelta(days=1 if self.kind == "day" else 7)
        return period_starting(self.kind, self.day + step, self.timezone)

    def bucket_starts(self) -> list[datetime]:
        """Timeline buckets: each hour of a day (23 to 25), each local day of a week (7)."""
        if self.kind == "day":
            hours = round((self.end - self.start) / HOUR)
            return [self.start + i * HOUR for i in range(hours)]
        zone = ZoneInfo(self.timezone)
        return [local_midnight(self.day + timedelta(days=i), zone) for i in range(7)]

    def bucket_index(self, instant: datetime) -> int:
        """The timeline bucket of an instant inside the period."""
        if self.kind == "day":
            return int((instant - self.start) // HOUR)
        local_day = instant.astimezone(ZoneInfo(self.timezone)).date()
        return (local_day - self.day).days


def period_starting(kind: DigestPeriod, day: date, timezone: str) -> Period:
    """The period of ``kind`` whose local start date is ``day`` (a week must start on a Monday)."""
    if kind == "week" and day.weekday() != 0:
        raise ValueError(f"a week starts on a Monday, not on {day.isoformat()}")
    zone = ZoneInfo(timezone)
    next_day = day + timedelta(days=1 if kind == "day" else 7)
    return Period(kind, day, timezone, local_midnight(day, zone), local_midnight(next_day, zone))


def period_containing(kind: DigestPeriod, instant: datetime, timezone: str) -> Period:
    """The period of ``kind`` that contains the aware ``instant``; raises :class:`PeriodOutOfRangeError` outside
    :data:`FIRST_INSTANT`..:data:`LAST_INSTANT`."""
    if not in_range(instant):
        raise PeriodOutOfRangeError(f"{instant.isoformat()} is outside the calendar of digest periods")
    local_day = instant.astimezone(ZoneInfo(timezone)).date()
    if kind == "week":
        local_day -= timedelta(days=local_day.weekday())
    period = period_starting(kind, local_day, timezone)
    # A skipped local midnight can put an instant just before the computed start: step back once.
    return period.previous() if instant < period.start else period
