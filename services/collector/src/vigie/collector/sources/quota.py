"""A daily quota of API units, reset at midnight Pacific time as Google resets YouTube Data API quotas.

Google counts every request against a project's daily quota (10,000 units by default; ``search.list`` costs
100 units, ``commentThreads.list``, ``comments.list`` and ``videos.list`` cost 1) and resets it at midnight
Pacific time. :class:`DailyQuota` is the share of it one source may spend: the source asks
:meth:`DailyQuota.spend` before each request and skips the request when the budget cannot pay for it. A
``quotaExceeded`` answer from Google (the project's quota is spent by someone else, or the budget was set
above it) is :meth:`DailyQuota.exhaust`: nothing more is spent until the next reset.

The state is ``{"day": "YYYY-MM-DD" (Pacific), "spent": units}``, saved in the source's cursor so that a
restart does not hand out the same day's budget twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

#: The time zone of Google's quota day.
QUOTA_ZONE = ZoneInfo("America/Los_Angeles")


def quota_day(when: datetime) -> str:
    """The Pacific date of ``when`` (the quota day it counts against)."""
    return when.astimezone(QUOTA_ZONE).date().isoformat()


def next_reset(when: datetime) -> datetime:
    """The next midnight in Pacific time after ``when``, in UTC (daylight saving time included)."""
    local = when.astimezone(QUOTA_ZONE)
    tomorrow = (local + timedelta(days=1)).date()
    midnight = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=QUOTA_ZONE)
    return midnight.astimezone(UTC)


class DailyQuota:
    """``budget`` units a day; what is spent today, and whether a request of some cost may still be made."""

    def __init__(self, budget: int) -> None:
        if budget <= 0:
            raise ValueError("the daily budget must be positive")
        self.budget = budget
        self.day = ""
        self.spent = 0

    def restore(self, state: Any) -> None:
        """Resume from a saved state (ignored unless well-formed)."""
        if isinstance(state, dict) and isinstance(state.get("day"), str) and isinstance(state.get("spent"), int):
            self.day, self.spent = state["day"], max(0, state["spent"])

    def state(self) -> dict[str, Any]:
        return {"day": self.day, "spent": self.spent}

    def _roll(self, now: datetime) -> None:
        today = quota_day(now)
        if today != self.day:
            self.day, self.spent = today, 0

    def remaining(self, now: datetime) -> int:
        self._roll(now)
        return max(0, self.budget - self.spent)

    def spend(self, cost: int, now: datetime) -> bool:
        """Count ``cost`` units and return True if today's budget can pay for them; else spend nothing."""
        if self.remaining(now) < cost:
            return False
        self.spent += cost
        return True

    def exhaust(self, now: datetime) -> None:
        """Google said the quota is spent: spend nothing more until the next reset."""
        self._roll(now)
        self.spent = max(self.spent, self.budget)

    def exhausted(self, now: datetime, cheapest: int = 1) -> bool:
        return self.remaining(now) < cheapest
