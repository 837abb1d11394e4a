"""Exponential backoff with full jitter, bounded, and ``Retry-After`` honoured when the server gave one.

The delay before retry number ``n`` (1-based) is a random value in ``[base * 2**(n-1) / 2, base * 2**(n-1)]``
capped at ``maximum``; a server's ``Retry-After`` is a floor (we never retry earlier than asked).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass
class Backoff:
    """Delays for consecutive failures of one source; :meth:`reset` after a success."""

    base_s: float = 1.0
    maximum_s: float = 300.0
    random: Callable[[], float] = field(default=random.random)
    failures: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """Record one more failure and return how long to wait before the next attempt."""
        self.failures += 1
        ceiling: float = min(self.maximum_s, self.base_s * float(2 ** min(self.failures - 1, 30)))
        delay: float = ceiling / 2 + self.random() * ceiling / 2
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.maximum_s * 4))
        return delay

    def reset(self) -> None:
        self.failures = 0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent or invalid."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
