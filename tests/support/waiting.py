"""Wait for a condition instead of sleeping a fixed time: a test then takes as long as the system under test
needs, and a negative assertion is made once the event that would have shown the bug has happened."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def eventually(check: Callable[[], Any], within: float = 20.0, interval: float = 0.02) -> Any:
    """The first true result of ``check`` (a function or a coroutine function), polled every ``interval`` s;
    AssertionError when it is still false after ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(interval)


def wait_until(check: Callable[[], Any], within: float = 20.0, interval: float = 0.05, what: str = "") -> Any:
    """:func:`eventually` for code without an event loop (tests driving subprocesses)."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or 'condition'} not met within {within} s")
        time.sleep(interval)
