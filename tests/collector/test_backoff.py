"""Backoff: exponential with jitter, bounded, never earlier than the server's Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

from vigie.collector.backoff import Backoff, parse_retry_after


def test_delays_grow_exponentially_within_jitter_bounds_and_cap() -> None:
    low, high = Backoff(base_s=1, maximum_s=10, random=lambda: 0.0), Backoff(base_s=1, maximum_s=10, random=lambda: 1.0)
    assert [low.next_delay() for _ in range(6)] == [0.5, 1, 2, 4, 5, 5]
    assert [high.next_delay() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    high.reset()
    assert high.next_delay() == 1


def test_retry_after_is_a_floor() -> None:
    backoff = Backoff(base_s=1, maximum_s=10, random=lambda: 0.0)
    assert backoff.next_delay(retry_after=7) == 7
    assert backoff.next_delay(retry_after=0.1) == 1


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Fri, 27 Nov 2026 08:00:45 GMT", now) == 45
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
