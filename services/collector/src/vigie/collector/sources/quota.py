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


def day_elapsed(when: datetime) -> float:
    """The fraction of its Pacific quota day elapsed at ``when`` (0 at midnight; days of 23 or 25 hours too)."""
    end = next_reset(when)
    local = when.astimezone(QUOTA_ZONE)
    start = datetime(local.year, local.month, local.day, tzinfo=QUOTA_ZONE).astimezone(UTC)
    return min(1.0, max(0.0, (when - start) / (end - start)))


class DailyQuota:
    """``budget`` units a day; what is spent today, and whether a request of some cost may still be made.

    ``paced``: deferrable spending is spread over the day — by a given instant, at most the share of the budget
    that matches the share of the day elapsed, plus ``burst`` (an eighth of the budget, at least ``min_burst``).
    Without it, a busy morning spends the day's budget and the territory is blind until midnight Pacific,
    which is 09:00 in France."""

    def __init__(self, budget: int, *, paced: bool = False, min_burst: int = 200) -> None:
        if budget <= 0:
            raise ValueError("the daily budget must be positive")
        self.budget = budget
        self.paced = paced
        self.burst = max(budget // 8, min_burst)
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

    def allowance(self, now: datetime) -> int:
        """Units that may have been spent by ``now`` (the whole budget unless paced)."""
        if not self.paced:
            return self.budget
        return min(self.budget, int(self.budget * day_elapsed(now)) + self.burst)

    def spend(self, cost: int, now: datetime, *, deferrable: bool = False) -> bool:
        """Count ``cost`` units and return True if today's budget can pay for them; else spend nothing.

        A ``deferrable`` request (a search, which a later poll can make) must also fit the paced allowance;
        the others (reading what a search found) are bounded by the day's budget only."""
        if self.remaining(now) < cost or (deferrable and self.spent + cost > self.allowance(now)):
            return False
        self.spent += cost
        return True

    def exhaust(self, now: datetime) -> None:
        """Google said the quota is spent: spend nothing more until the next reset."""
        self._roll(now)
        self.spent = max(self.spent, self.budget)

    def exhausted(self, now: datetime, cheapest: int = 1) -> bool:
        return self.remaining(now) < cheapest
