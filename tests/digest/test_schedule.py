"""Delivery schedules in the receiver's time zone across daylight-saving changes (Europe/Paris)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from vigie.digest import DigestSchedule, DueDigest, next_due


def test_daily_at_eight_local_follows_the_spring_change() -> None:
    due = next_due(DigestSchedule("day", "Europe/Paris"), datetime(2026, 3, 27, 12, tzinfo=UTC), count=4)
    assert due == [
        DueDigest(datetime(2026, 3, 28, 7, tzinfo=UTC), "day", date(2026, 3, 27)),  # CET, UTC+1
        DueDigest(datetime(2026, 3, 29, 6, tzinfo=UTC), "day", date(2026, 3, 28)),  # CEST from 29 March
        DueDigest(datetime(2026, 3, 30, 6, tzinfo=UTC), "day", date(2026, 3, 29)),
        DueDigest(datetime(2026, 3, 31, 6, tzinfo=UTC), "day", date(2026, 3, 30)),
    ]


def test_daily_follows_the_autumn_change() -> None:
    due = next_due(DigestSchedule("day", "Europe/Paris"), datetime(2026, 10, 24, 6, 0, tzinfo=UTC), count=2)
    assert [d.due_at for d in due] == [datetime(2026, 10, 25, 7, tzinfo=UTC), datetime(2026, 10, 26, 7, tzinfo=UTC)]


def test_strictly_after() -> None:
    [due] = next_due(DigestSchedule("day", "Europe/Paris"), datetime(2026, 3, 28, 7, tzinfo=UTC))
    assert due.due_at == datetime(2026, 3, 29, 6, tzinfo=UTC)


def test_weekly_monday_covers_the_previous_iso_week() -> None:
    due = next_due(DigestSchedule("week", "Europe/Paris"), datetime(2026, 3, 24, tzinfo=UTC), count=2)
    assert due == [
        DueDigest(datetime(2026, 3, 30, 6, tzinfo=UTC), "week", date(2026, 3, 23)),
        DueDigest(datetime(2026, 4, 6, 6, tzinfo=UTC), "week", date(2026, 3, 30)),
    ]


def test_skipped_and_repeated_wall_times() -> None:
    spring = DigestSchedule("week", "Europe/Paris", at=time(2, 30), weekday=6)
    [skipped] = next_due(spring, datetime(2026, 3, 28, tzinfo=UTC))
    assert skipped.due_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST: moved forward by the gap
    [repeated] = next_due(spring, datetime(2026, 10, 24, tzinfo=UTC))
    assert repeated.due_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # first 02:30 (CEST)


def test_other_zones_and_bad_schedules() -> None:
    [due] = next_due(DigestSchedule("day", "America/New_York", at=time(7)), datetime(2026, 3, 8, 5, tzinfo=UTC))
    assert due.due_at == datetime(2026, 3, 8, 11, tzinfo=UTC)  # EDT from 8 March 2026
    with pytest.raises(ValueError):
        DigestSchedule("week", "Europe/Paris", weekday=7)
    with pytest.raises(ValueError):
        next_due(DigestSchedule("day", "Europe/Paris"), datetime(2026, 3, 8))
