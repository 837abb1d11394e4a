"""``Retry-After`` (RFC 9110 §10.2.3): how long a server asked us to wait, in seconds."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: A longer wait than this is read as this: a hostile or broken server cannot park a client for years.
MAX_RETRY_AFTER_S = 7 * 24 * 3600.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds (``"120"``) or an HTTP-date, measured from
    ``now`` (the caller's injected clock, aware; a date without a zone is UTC). Never negative (a date in the
    past means "now"), at most :data:`MAX_RETRY_AFTER_S`; None when absent, blank or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)
