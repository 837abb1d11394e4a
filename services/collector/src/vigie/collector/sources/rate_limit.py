"""Rate-limit headers (Mastodon ``X-RateLimit-*``, Reddit ``X-Ratelimit-*``): wait for the reset instead of
hitting the limit."""

from __future__ import annotations

from datetime import datetime

import httpx

from vigie.runtime.clock import Clock


class RateLimitGate:
    """Remembers the server's remaining budget; :meth:`wait` sleeps until the reset when it is exhausted."""

    def __init__(self, clock: Clock, reserve: float = 1.0) -> None:
        self.clock = clock
        self.reserve = reserve
        self.not_before: float = 0.0

    def observe(self, headers: httpx.Headers) -> None:
        """Read ``X-RateLimit-Remaining`` / ``-Reset`` (ISO time, Mastodon; or seconds, Reddit)."""
        remaining = headers.get("x-ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            if float(remaining) > self.reserve:
                return
        except ValueError:
            return
        now = self.clock.time()
        try:
            self.not_before = now + max(0.0, float(reset))
        except ValueError:
            try:
                self.not_before = datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return

    async def wait(self) -> None:
        delay = self.not_before - self.clock.time()
        if delay > 0:
            await self.clock.sleep(delay)
