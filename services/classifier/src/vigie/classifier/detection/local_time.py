"""Where an event-time bucket falls in a territory's week, and the known-event factor of its local day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=262_144)
def _local_hour(zone_name: str, epoch_hour: int) -> tuple[int, int, int]:
    """(hour of day, hour of week with Monday 00:00 = 0, proleptic ordinal of the local date)."""
    local = datetime.fromtimestamp(epoch_hour * 3600, tz=ZoneInfo(zone_name) if zone_name != "UTC" else UTC)
    return local.hour, local.weekday() * 24 + local.hour, local.toordinal()


class LocalCalendar:
    """Maps bucket start times (epoch seconds) to the territory's local hour of week and event factor."""

    def __init__(self, zone_name: str, event_factor: Callable[[date], float] | None = None) -> None:
        self.zone_name = zone_name
        self._event_factor = event_factor
        self._factors: dict[int, float] = {}

    def hours(self, epoch_seconds: int) -> tuple[int, int]:
        """(hour of day, hour of week) in local time of the hour containing ``epoch_seconds``."""
        hod, how, _ = _local_hour(self.zone_name, epoch_seconds // 3600)
        return hod, how

    def factor(self, epoch_seconds: int) -> float:
        """Expected-volume factor of the known events on the local day containing ``epoch_seconds``."""
        if self._event_factor is None:
            return 1.0
        ordinal = _local_hour(self.zone_name, epoch_seconds // 3600)[2]
        found = self._factors.get(ordinal)
        if found is None:
            found = float(self._event_factor(date.fromordinal(ordinal)))
            self._factors[ordinal] = found
        return found
