"""Shared building blocks of every payload model: frozen, strict about unknown fields, bounded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

#: Territory identifiers are lowercase slugs, stable across renames (``saint-malo``).
TerritoryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
#: BCP 47 primary language subtag, or ``und`` when unknown.
LanguageTag = Annotated[str, StringConstraints(pattern=r"^([a-z]{2,3}|und)$")]
ShortText = Annotated[str, StringConstraints(max_length=512)]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=512)]
Url = Annotated[str, StringConstraints(max_length=4096, pattern=r"^https?://")]
#: Largest integer every JSON reader agrees on (I-JSON, RFC 7493: the IEEE 754 double range): integers in
#: free-form fields stay within it. Counts are unbounded: consumers keep them exact (Python integers).
MAX_SAFE_INTEGER = 2**53 - 1
Count = Annotated[int, Field(ge=0)]

#: Earliest instant a payload may carry (inclusive). Older dates are parse failures (epoch 0 is the
#: usual "unknown"), never real posts; they could not be converted between time zones safely either.
MIN_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)
#: Latest instant a payload may carry (exclusive): far enough for any real event, far enough from year 9999
#: that adding a time-zone offset or a detection window to it never overflows.
MAX_TIMESTAMP = datetime(9000, 1, 1, tzinfo=UTC)
#: Every instant of every contract: time-zone aware and within [MIN_TIMESTAMP, MAX_TIMESTAMP). The bound is
#: checked on the instant (offsets applied), so ``0001-01-01T00:00:00+14:00`` — whose UTC conversion
#: overflows — is rejected at validation instead of crashing whatever converts it later.
Timestamp = Annotated[AwareDatetime, Field(ge=MIN_TIMESTAMP, lt=MAX_TIMESTAMP)]


def _known_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name longer than a file name may be
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Europe/Paris')") from None
    return value


#: An IANA time zone name that this machine's tz database knows (``Europe/Paris``).
TimeZoneName = Annotated[str, AfterValidator(_known_time_zone)]

#: Upper bound on the text carried by a mention (a long article is cut by the collector, not rejected).
MAX_TEXT_CHARS = 20_000
#: Upper bound on free-form extra fields carried by a mention.
MAX_EXTRA_FIELDS = 32


class Contract(BaseModel):
    """Base of every topic payload: immutable, unknown fields rejected, JSON-friendly.

    Numbers are finite (``NaN``, ``Infinity`` and ``1e400`` are refused): JSON has no such values, and
    a payload that decodes must encode back to the same payload."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)
