"""Time, injected: everything that reads the time or waits asks a :class:`Clock`, so tests run without waiting.

Two readings of the same wall clock: :meth:`Clock.now` (an aware UTC ``datetime``, for event and processing
timestamps) and :meth:`Clock.time` (seconds since the epoch, for rate limits and deadlines). Two ways to wait:
:meth:`Clock.sleep` for a duration and :meth:`Clock.sleep_until` for an instant. :class:`SystemClock` is the
real one; :class:`FakeClock` only moves when a test advances it (in the manner of arroyo's ``MockedClock``).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time (timezone-aware, UTC) and ways to wait for it.

    Waits never raise for a duration below zero or an instant in the past: they return at once. They return at
    or after the time asked (or earlier if the waiting task is cancelled).
    """

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def time(self) -> float:
        """The current time in seconds since the epoch."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Wait until ``when``."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    async def sleep_until(self, when: datetime) -> None:
        await self.sleep((when - self.now()).total_seconds())


class FakeClock:
    """A clock that only moves when told (:meth:`advance`, :meth:`set`); sleepers wake once time passes their
    deadline. For tests and benchmarks that must live through hours of timers in no time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        self._changed = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def time(self) -> float:
        return self._now.timestamp()

    def advance(self, delta: timedelta | float) -> datetime:
        """Move time forward by ``delta`` (seconds when a float) and wake the sleepers it releases."""
        self.set(self._now + (delta if isinstance(delta, timedelta) else timedelta(seconds=delta)))
        return self._now

    def set(self, when: datetime) -> None:
        """Move time to ``when`` and wake the sleepers it releases."""
        self._now = when
        self._changed.set()
        self._changed = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._now + timedelta(seconds=max(0.0, seconds)))

    async def sleep_until(self, when: datetime) -> None:
        while self._now < when:
            await self._changed.wait()
