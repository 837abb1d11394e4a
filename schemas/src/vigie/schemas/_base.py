"""Shared building blocks of every payload model: frozen, strict about unknown fields, bounded."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

#: Territory identifiers are lowercase slugs, stable across renames (``saint-malo``).
TerritoryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
#: BCP 47 primary language subtag, or ``und`` when unknown.
LanguageTag = Annotated[str, StringConstraints(pattern=r"^([a-z]{2,3}|und)$")]
ShortText = Annotated[str, StringConstraints(max_length=512)]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=512)]
Url = Annotated[str, StringConstraints(max_length=4096, pattern=r"^https?://")]
Count = Annotated[int, Field(ge=0)]


def _known_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Europe/Paris')") from None
    return value


#: An IANA time zone name that this machine's tz database knows (``Europe/Paris``).
TimeZoneName = Annotated[str, AfterValidator(_known_time_zone)]

#: Upper bound on the text carried by a mention (a long article is cut by the collector, not rejected).
MAX_TEXT_CHARS = 20_000
#: Upper bound on free-form extra fields carried by a mention.
MAX_EXTRA_FIELDS = 32


class Contract(BaseModel):
    """Base of every topic payload: immutable, unknown fields rejected, JSON-friendly."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
