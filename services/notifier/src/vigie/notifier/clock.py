"""Time, injected. The notifier's timers (group wait, group interval, repeat interval, escalation, retries)
all read a :class:`Clock`, so tests can live through a ten-minute outage without waiting ten minutes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time (timezone-aware, UTC) and a way to wait for it.

    ``sleep_until`` returns at or after ``when`` (or earlier if the waiting task is cancelled); it never
    raises for a ``when`` in the past.
    """

    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        await asyncio.sleep(max(0.0, delay))


class FakeClock:
    """A clock that only moves when told: :meth:`advance`. Sleepers wake when time passes their deadline."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        self._changed = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self._changed.set()
        self._changed = asyncio.Event()
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when
        self._changed.set()
        self._changed = asyncio.Event()

    async def sleep_until(self, when: datetime) -> None:
        while self._now < when:
            await self._changed.wait()
