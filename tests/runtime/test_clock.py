"""Clocks: the system clock reads UTC and waits; the fake clock only moves when told and wakes its sleepers."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from vigie.runtime.clock import Clock, FakeClock, SystemClock


async def test_the_system_clock_reads_utc_and_never_waits_for_the_past() -> None:
    clock: Clock = SystemClock()
    assert clock.now().tzinfo is UTC
    assert abs(clock.time() - time.time()) < 1
    started = time.monotonic()
    await clock.sleep(-5)
    await clock.sleep_until(clock.now() - timedelta(hours=1))
    await clock.sleep(0.01)
    assert time.monotonic() - started < 1


async def test_the_fake_clock_wakes_sleepers_when_time_passes_their_deadline() -> None:
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    clock: FakeClock = FakeClock(start)
    assert clock.time() == start.timestamp()
    by_duration = asyncio.create_task(clock.sleep(60))
    by_instant = asyncio.create_task(clock.sleep_until(start + timedelta(minutes=10)))
    await asyncio.sleep(0)
    clock.advance(59)
    await asyncio.sleep(0)
    assert not by_duration.done()
    clock.advance(timedelta(seconds=1))
    await asyncio.wait_for(by_duration, 1)
    assert not by_instant.done()
    clock.set(start + timedelta(hours=1))
    await asyncio.wait_for(by_instant, 1)
    await asyncio.wait_for(clock.sleep_until(start), 1)  # the past: at once
