from __future__ import annotations

from datetime import UTC, date, datetime

from vigie.classifier.detection.local_time import LocalCalendar


def epoch(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def test_hours_are_local_and_follow_daylight_saving() -> None:
    paris = LocalCalendar("Europe/Paris")
    # Monday 2 March 2026, 23:30 UTC is Tuesday 00:30 in Paris (UTC+1).
    assert paris.hours(epoch(2026, 3, 2, 23, 30)) == (0, 24)
    # After the switch to summer time (29 March 2026), 12:00 UTC is 14:00 in Paris, a Monday (30 March).
    assert paris.hours(epoch(2026, 3, 30, 12, 0)) == (14, 14)
    assert LocalCalendar("UTC").hours(epoch(2026, 3, 30, 12, 0)) == (12, 12)


def test_event_factor_applies_on_the_local_day() -> None:
    festival = date(2026, 3, 3)
    calendar = LocalCalendar("Europe/Paris", lambda day: 4.0 if day == festival else 1.0)
    assert calendar.factor(epoch(2026, 3, 2, 23, 30)) == 4.0  # already 3 March in Paris
    assert calendar.factor(epoch(2026, 3, 2, 22, 30)) == 1.0
