"""Backoff: full jitter over an exponential window, bounded, never earlier than the server's Retry-After."""

from __future__ import annotations

import random
import statistics
from datetime import timedelta

from vigie.runtime.backoff import Backoff, RetryPolicy, backoff_window, full_jitter_delay


def test_the_window_doubles_per_retry_up_to_the_cap() -> None:
    assert [backoff_window(n, 1, 10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert backoff_window(10_000, 1, 10) == 10  # no overflow however long the outage


def test_delays_span_the_whole_window_from_zero_to_its_top() -> None:
    low, high = Backoff(base_s=1, maximum_s=10, random=lambda: 0.0), Backoff(base_s=1, maximum_s=10, random=lambda: 1.0)
    assert [low.next_delay() for _ in range(6)] == [0, 0, 0, 0, 0, 0]
    assert [high.next_delay() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    high.reset()
    assert high.next_delay() == 1


def test_the_jitter_is_full_not_equal() -> None:
    """Full jitter: uniform in [0, window], so the mean is half the window and waits near 0 occur. Equal
    jitter (uniform in [window/2, window]) has a mean of 3/4 of the window and never goes below its half."""
    rng = random.Random(19)
    window = backoff_window(8, 1, 60)  # 60: the cap
    delays = [full_jitter_delay(8, 1, 60, rng.random, retry_after_cap_s=3600) for _ in range(4000)]
    assert all(0 <= d <= window for d in delays)
    assert abs(statistics.fmean(delays) - window / 2) < 0.05 * window
    assert min(delays) < 0.01 * window
    assert sum(d < window / 2 for d in delays) > 0.45 * len(delays)


def test_the_retry_policy_draws_full_jitter_under_its_max_delay() -> None:
    policy = RetryPolicy(base=timedelta(seconds=1), max_delay=timedelta(seconds=60), rng=random.Random(7))
    delays = [policy.delay(20).total_seconds() for _ in range(2000)]
    assert max(delays) <= 60
    assert abs(statistics.fmean(delays) - 30) < 3
    assert min(delays) < 1


def test_retry_after_is_a_floor_and_is_bounded() -> None:
    backoff = Backoff(base_s=1, maximum_s=10, random=lambda: 0.5)
    assert backoff.next_delay(retry_after=7) == 7
    assert backoff.next_delay(retry_after=0.1) == 1  # the drawn delay (0.5 of a window of 2) is later
    assert backoff.next_delay(retry_after=10_000) == 40  # at most four times the maximum
    assert RetryPolicy(rng=random.Random(1)).delay(1, retry_after=86_400) == timedelta(hours=1)
    assert RetryPolicy(rng=random.Random(1)).delay(1, retry_after=-5) <= timedelta(seconds=1)
