"""Numbers and time-zone names as a reader of each locale writes them (pure).

French: a narrow no-break space between thousands (``3 200 000``) and a decimal comma (``0,3``); English:
``3,200,000`` and ``0.3``. Zones are named by their city (``heure de Paris``, ``Paris time``), not by an
abbreviation that changes twice a year and means nothing to most readers (``CET``).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from vigie.notifier.rendering.catalog import CATALOG, FRENCH_CITIES
from vigie.notifier.routes_config import Locale

NARROW_NBSP = "\u202f"


def format_count(value: float, locale: Locale) -> str:
    """A whole number with the locale's thousands separator."""
    text = f"{round(value):,}"
    return text.replace(",", NARROW_NBSP) if locale == "fr" else text


def format_number(value: float, locale: Locale) -> str:
    """A figure: whole above 10 or when whole, else one decimal (``0,3``), thousands separated."""
    if value >= 10 or float(value).is_integer():
        return format_count(value, locale)
    text = f"{value:.1f}"
    if text == "0.0" and value > 0:
        text = f"{value:.2f}"
    return text.replace(".", ",") if locale == "fr" else text


def zone_name(zone: ZoneInfo, locale: Locale) -> str:
    """``heure de Paris`` / ``Paris time`` (``UTC`` for UTC)."""
    key = zone.key
    if key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT"):
        return "UTC"
    city = key.rsplit("/", 1)[-1]
    name = FRENCH_CITIES.get(city, city.replace("_", " ")) if locale == "fr" else city.replace("_", " ")
    return CATALOG[locale]["zone"].format(city=name)


def format_duration(duration: timedelta, locale: Locale) -> str:
    """``45 min``, ``2 h``, ``2 h 05``."""
    words = CATALOG[locale]
    minutes = max(0, int(duration.total_seconds() // 60))
    if minutes < 60:
        return words["minutes"].format(n=minutes)
    hours, rest = divmod(minutes, 60)
    return words["hours"].format(h=hours) if rest == 0 else words["hours_minutes"].format(h=hours, m=rest)
