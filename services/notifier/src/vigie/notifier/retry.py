"""Retry timing: exponential backoff with full jitter, never earlier than the remote's ``Retry-After`` (pure)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass
class RetryPolicy:
    """``delay(attempt)`` for the attempt-th retry (1-based): uniform in [base*2^(n-1)/2, base*2^(n-1)],
    capped at ``max_delay``; a ``Retry-After`` hint is a floor. ``give_up_after`` bounds the total time a
    notification may keep failing before it is dead-lettered."""

    base: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(seconds=60)
    give_up_after: timedelta = timedelta(hours=6)
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> timedelta:
        ceiling = min(self.max_delay.total_seconds(), self.base.total_seconds() * 2 ** max(0, attempt - 1))
        seconds = self.rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            seconds = max(seconds, min(retry_after, 3600.0))
        return timedelta(seconds=seconds)
