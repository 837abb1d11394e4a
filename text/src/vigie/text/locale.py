"""Numbers, dates, durations and time zones as a reader of each language writes them (pure).

French: a narrow no-break space (U+202F) between thousands (``3 200 000``), before ``%``, and a decimal comma
(``0,3``); English: ``3,200,000``, ``0.3``. Zones are named by their city (``heure de Paris``, ``Paris time``),
not by an abbreviation that changes twice a year and means nothing to most readers (``CET``).
:class:`Locale` is a receiver's language and time zone; the free functions take a language alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

MONTHS: dict[Language, tuple[str, ...]] = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
#: Durations and zone names (French typography: a no-break space before the unit).
UNITS: dict[Language, dict[str, str]] = {
    "en": {"minutes": "{n} min", "hours": "{h} h", "hours_minutes": "{h} h {m:02d} min", "zone": "{city} time"},
    "fr": {
        "minutes": "{n}" + NBSP + "min",
        "hours": "{h}" + NBSP + "h",
        "hours_minutes": "{h}" + NBSP + "h" + NBSP + "{m:02d}",
        "zone": "heure de {city}",
    },
}
#: City names of time zones as French readers know them (the IANA city otherwise, underscores as spaces).
FRENCH_CITIES = {
    "London": "Londres",
    "Brussels": "Bruxelles",
    "Zurich": "Zurich",
    "Martinique": "la Martinique",
    "Guadeloupe": "la Guadeloupe",
    "Reunion": "La Réunion",
    "Noumea": "Nouméa",
    "Tahiti": "Tahiti",
    "Cayenne": "Cayenne",
    "Montreal": "Montréal",
    "New_York": "New York",
    "Lisbon": "Lisbonne",
    "Rome": "Rome",
    "Berlin": "Berlin",
    "Madrid": "Madrid",
    "Geneva": "Genève",
}


def format_decimal(value: float, language: Language, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals and the language's separators (``3 200,5`` / ``3,200.5``)."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",") if language == "fr" else text


def format_count(value: float, language: Language) -> str:
    """A whole number with the language's thousands separator."""
    text = f"{round(value):,}"
    return text.replace(",", NARROW_NBSP) if language == "fr" else text


def format_number(value: float, language: Language) -> str:
    """A figure: whole above 10 or when whole, else one decimal (``0,3``; two when one would read ``0``)."""
    if value >= 10 or float(value).is_integer():
        return format_count(value, language)
    text = f"{value:.1f}"
    if text == "0.0" and value > 0:
        text = f"{value:.2f}"
    return text.replace(".", ",") if language == "fr" else text


def format_percent(share: float, language: Language, signed: bool = False) -> str:
    """A share (``0.25``) as a percentage, ``+`` shown when ``signed`` (``25 %``, ``+25%``)."""
    value = f"{share * 100:+.0f}" if signed else f"{share * 100:.0f}"
    return f"{value}{NARROW_NBSP}%" if language == "fr" else f"{value}%"


def format_duration(duration: timedelta, language: Language) -> str:
    """``45 min``, ``2 h``, ``2 h 05``."""
    words = UNITS[language]
    minutes = max(0, int(duration.total_seconds() // 60))
    if minutes < 60:
        return words["minutes"].format(n=minutes)
    hours, rest = divmod(minutes, 60)
    return words["hours"].format(h=hours) if rest == 0 else words["hours_minutes"].format(h=hours, m=rest)


def zone_name(zone: ZoneInfo, language: Language) -> str:
    """``heure de Paris`` / ``Paris time`` (``UTC`` for UTC)."""
    key = zone.key
    if key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT"):
        return "UTC"
    city = key.rsplit("/", 1)[-1]
    name = FRENCH_CITIES.get(city, city.replace("_", " ")) if language == "fr" else city.replace("_", " ")
    return UNITS[language]["zone"].format(city=name)


@dataclass(frozen=True, slots=True)
class Locale:
    """How to say things to one receiver: a language and a time zone (checked when built)."""

    language: Language = "fr"
    timezone: str = "Europe/Paris"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unsupported language {self.language!r}; choose one of {', '.join(LANGUAGES)}")
        ZoneInfo(self.timezone)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(ZoneInfo(self.timezone))

    def day(self, day: date) -> str:
        """``mardi 14 juillet 2026`` / ``Tuesday 14 July 2026``."""
        weekday, month = WEEKDAYS[self.language][day.weekday()], MONTHS[self.language][day.month - 1]
        return f"{weekday} {day.day} {month} {day.year}"

    def weekday(self, day: date) -> str:
        return WEEKDAYS[self.language][day.weekday()][:3]

    def time(self, instant: datetime) -> str:
        return f"{self.local(instant):%H:%M}"

    def moment(self, instant: datetime) -> str:
        """``14 juillet 17:30`` in the receiver's time zone."""
        local = self.local(instant)
        return f"{local.day} {MONTHS[self.language][local.month - 1]} {local:%H:%M}"

    def signed(self, value: float, digits: int = 2) -> str:
        text = f"{value:+.{digits}f}"
        return text.replace(".", ",") if self.language == "fr" else text

    def percent(self, share: float) -> str:
        return format_percent(share, self.language)

    def change(self, change: float | None) -> str:
        return "—" if change is None else format_percent(change, self.language, signed=True)

    def number(self, value: float, digits: int = 0) -> str:
        return format_decimal(value, self.language, digits)
