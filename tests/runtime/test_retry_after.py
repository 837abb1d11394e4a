"""Retry-After: delta-seconds and HTTP-date forms, never negative, bounded, measured from an injected now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigie.runtime.retry_after import MAX_RETRY_AFTER_S, parse_retry_after

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30", 30),
        (" 2.5 ", 2.5),
        ("-4", 0),
        ("Fri, 27 Nov 2026 08:00:45 GMT", 45),
        ("Fri, 27 Nov 2026 07:00:00 GMT", 0),  # a date in the past: now
        ("Fri, 27 Nov 2026 08:00:45", 45),  # no zone: UTC
        ("99999999999", MAX_RETRY_AFTER_S),
        ("inf", MAX_RETRY_AFTER_S),
        ("Fri, 27 Nov 2099 08:00:00 GMT", MAX_RETRY_AFTER_S),
    ],
)
def test_readable_values(value: str, seconds: float) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_a_date_is_measured_from_the_given_now() -> None:
    assert parse_retry_after("Fri, 27 Nov 2026 08:00:45 GMT", NOW + timedelta(seconds=40)) == 5


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "nan", "Fri, 99 Nov 2026 08:00:45 GMT", "\x00"])
def test_unreadable_values_are_none(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None
