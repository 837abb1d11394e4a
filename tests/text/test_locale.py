"""Numbers, dates, durations and zones in each language, and catalogues that cannot miss a word in one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vigie.digest.render.locale import WORDS as DIGEST_WORDS
from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.page import PAGE_WORDS
from vigie.text.catalogue import Catalogue
from vigie.text.locale import (
    LANGUAGES,
    Locale,
    format_count,
    format_duration,
    format_number,
    format_percent,
    zone_name,
)


def test_numbers_in_each_language() -> None:
    assert format_count(3_200_000, "fr") == "3\u202f200\u202f000" and format_count(3_200_000, "en") == "3,200,000"
    assert (
        format_number(0.3, "fr") == "0,3" and format_number(0.02, "en") == "0.02" and format_number(12.4, "en") == "12"
    )
    assert format_percent(0.25, "fr") == "25\u202f%" and format_percent(-0.3, "en", signed=True) == "-30%"
    assert Locale("fr").number(3200.5, 1) == "3\u202f200,5" and Locale("en").signed(0.142) == "+0.14"
    assert Locale("fr").change(None) == "—" and Locale("fr").change(0.25) == "+25\u202f%"


def test_durations_and_zones_in_each_language() -> None:
    assert format_duration(timedelta(minutes=45), "fr") == "45\u00a0min"
    assert format_duration(timedelta(minutes=125), "fr") == "2\u00a0h\u00a005"
    assert format_duration(timedelta(hours=2), "en") == "2 h"
    assert zone_name(ZoneInfo("Europe/Paris"), "fr") == "heure de Paris"
    assert zone_name(ZoneInfo("America/Martinique"), "fr") == "heure de la Martinique"
    assert zone_name(ZoneInfo("Europe/London"), "en") == "London time"
    assert zone_name(ZoneInfo("Etc/UTC"), "fr") == "UTC"


def test_dates_in_the_receivers_time_zone() -> None:
    assert Locale("fr").day(date(2026, 7, 14)) == "mardi 14 juillet 2026"
    assert Locale("en", "America/New_York").moment(datetime(2026, 7, 14, 15, 30, tzinfo=UTC)) == "14 July 11:30"
    with pytest.raises(ValueError, match="unsupported language"):
        Locale("de")  # type: ignore[arg-type]


def test_a_catalogue_refuses_a_word_missing_in_one_language() -> None:
    with pytest.raises(ValueError, match="not in every language \\(en\\): severity"):
        Catalogue({"fr": {"severity": "Gravité"}, "en": {}})
    with pytest.raises(ValueError, match="every language"):
        Catalogue({"fr": {}})  # type: ignore[arg-type]
    words = Catalogue.by_entry({"severity": {"fr": "Gravité", "en": "Severity"}})
    assert words["en"]["severity"] == "Severity" and words.say("fr", "severity") == "Gravité"


@pytest.mark.parametrize("catalogue", [CATALOG, PAGE_WORDS, DIGEST_WORDS], ids=["incident", "page", "digest"])
def test_every_catalogue_speaks_every_language(catalogue: Catalogue) -> None:
    assert tuple(catalogue) == LANGUAGES
    assert all(text.strip() for language in LANGUAGES for text in catalogue[language].values())
