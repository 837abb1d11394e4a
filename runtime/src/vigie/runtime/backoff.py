"""Retry timing: exponential backoff with full jitter, bounded, never earlier than the remote's ``Retry-After``.

Full jitter (AWS, "Exponential Backoff and Jitter"): the wait before retry number ``n`` (1-based) is drawn
uniformly from ``[0, min(cap, base * 2**(n-1))]``. Retrying clients then spread over the whole window instead
of bunching in its upper half, which is what lets a recovering server drain them. A ``Retry-After`` from the
server is a floor (never retry earlier than asked), itself bounded so that a hostile or broken server cannot
park a retry for days. Pure: randomness is injected.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

#: Doublings past this many add nothing (any cap is reached long before) and would overflow a float.
_MAX_DOUBLINGS = 62


def backoff_window(attempt: int, base_s: float, cap_s: float) -> float:
    """The upper end of the jitter window for retry number ``attempt`` (1-based): ``min(cap, base·2^(n-1))``."""
    return min(cap_s, base_s * 2.0 ** min(max(0, attempt - 1), _MAX_DOUBLINGS))


def full_jitter_delay(
    attempt: int,
    base_s: float,
    cap_s: float,
    draw: Callable[[], float],
    *,
    retry_after_s: float | None = None,
    retry_after_cap_s: float,
) -> float:
    """Seconds to wait before retry number ``attempt``: ``draw() * backoff_window(...)`` (``draw`` returns a
    uniform value in [0, 1)), raised to ``min(retry_after_s, retry_after_cap_s)`` when the server gave one."""
    delay = draw() * backoff_window(attempt, base_s, cap_s)
    if retry_after_s is not None:
        delay = max(delay, min(max(0.0, retry_after_s), retry_after_cap_s))
    return delay


@dataclass
class Backoff:
    """Delays for consecutive failures of one worker (a collector source): :meth:`next_delay` counts one more
    failure, :meth:`reset` after a success. A ``Retry-After`` is honoured up to ``4 * maximum_s``."""

    base_s: float = 1.0
    maximum_s: float = 300.0
    random: Callable[[], float] = field(default=random.random)
    failures: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Record one more failure and return how long to wait before the next attempt."""
        self.failures += 1
        return full_jitter_delay(
            self.failures,
            self.base_s,
            self.maximum_s,
            self.random,
            retry_after_s=retry_after,
            retry_after_cap_s=self.maximum_s * 4,
        )

    def reset(self) -> None:
        self.failures = 0


@dataclass
class RetryPolicy:
    """Retries of one delivery, counted by the caller: ``delay(attempt)`` for the attempt-th retry (1-based),
    full jitter under ``max_delay``, a ``Retry-After`` hint honoured up to an hour. ``give_up_after`` bounds the
    total time a delivery may keep failing before the caller gives up (dead-letters it)."""

    base: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(seconds=60)
    give_up_after: timedelta = timedelta(hours=6)
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> timedelta:
        seconds = full_jitter_delay(
            attempt,
            self.base.total_seconds(),
            self.max_delay.total_seconds(),
            self.rng.random,
            retry_after_s=retry_after,
            retry_after_cap_s=3600.0,
        )
        return timedelta(seconds=seconds)
