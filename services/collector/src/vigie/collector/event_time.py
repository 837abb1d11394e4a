"""Event time bounded at ingestion (pure core): a source's claimed publication date is trusted only within
``[floor, collected_at + max_future_skew]``.

Detection runs on event time, so one post dated 2099 would otherwise move a territory's clock decades ahead
and silence it, and one dated year 1 (or ``0001-01-01T00:00:00+14:00``, whose conversion to UTC overflows)
would crash whoever converts it. A date out of range is **clamped**, not dead-lettered: the post's text is
still evidence, and a skewed clock or a parse failure on the source's side is not the author's doing. The
mention's ``published_at`` becomes its ``collected_at`` and the date as claimed is kept in
``published_at_claimed`` (see :class:`~vigie.schemas.RawMention`).

File replay has no future bound (``max_future_skew_s=None``): it replays a past or a simulated day, whose
dates mean nothing against the wall clock; the floor, and the contract's limits (1970..9000), still hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vigie.schemas._base import MAX_TIMESTAMP, MIN_TIMESTAMP

#: Default floor: no mention predates the year 2000 (older dates are parse failures such as epoch 0).
DEFAULT_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)
#: Default tolerance for sources whose clock runs ahead of ours.
DEFAULT_MAX_FUTURE_SKEW_S = 300.0
#: Largest tolerance accepted (a day): beyond that, a "future" post would stall detection for too long.
MAX_FUTURE_SKEW_S = 86_400.0
#: Characters of a claimed date kept.
MAX_CLAIMED_CHARS = 64


@dataclass(frozen=True, slots=True)
class EventTimeBounds:
    """The range of publication dates trusted at ingestion (see the module docstring); no future bound when
    ``max_future_skew_s`` is None."""

    max_future_skew_s: float | None = DEFAULT_MAX_FUTURE_SKEW_S
    floor: datetime = DEFAULT_FLOOR

    def __post_init__(self) -> None:
        if self.max_future_skew_s is not None and not 0 <= self.max_future_skew_s <= MAX_FUTURE_SKEW_S:
            raise ValueError(f"max_future_skew_s must be within 0..{MAX_FUTURE_SKEW_S:.0f}")
        if self.floor.tzinfo is None or self.floor < MIN_TIMESTAMP:
            raise ValueError(f"the floor must be a time-zone-aware instant from {MIN_TIMESTAMP.isoformat()} on")

    def bound(self, published: datetime, collected_at: datetime) -> tuple[datetime, str | None]:
        """``(published_at, None)`` when ``published`` is within range (naive means UTC), else
        ``(collected_at, the date as claimed)``. Never raises, whatever the date and its offset."""
        claimed = published if published.tzinfo is not None else published.replace(tzinfo=UTC)
        try:
            instant = claimed.astimezone(UTC)
        except (OverflowError, ValueError):  # year 1 at +14:00, year 9999 at -14:00
            return collected_at, _as_claimed(published)
        if instant < self.floor or instant >= MAX_TIMESTAMP:
            return collected_at, _as_claimed(published)
        if self.max_future_skew_s is not None and instant > collected_at + timedelta(seconds=self.max_future_skew_s):
            return collected_at, _as_claimed(published)
        return claimed, None


def _as_claimed(published: datetime) -> str:
    return published.isoformat()[:MAX_CLAIMED_CHARS]
