"""Words, dates and numbers of a digest in French or English, times in the receiver's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from vigie.schemas import DigestEvent

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")

_WORDS: dict[str, dict[Language, str]] = {
    "digest_day": {"fr": "Image de {name} — {date}", "en": "{name}'s image — {date}"},
    "digest_week": {"fr": "Image de {name} — semaine du {date}", "en": "{name}'s image — week of {date}"},
    "where": {"fr": "Où l'on parle de {name}", "en": "Where people talk about {name}"},
    "image": {"fr": "Quelle image", "en": "What image"},
    "who": {"fr": "Qui", "en": "Who"},
    "colon": {"fr": "\u202f:", "en": ":"},
    "mentions": {"fr": "mentions", "en": "mentions"},
    "previous": {"fr": "période précédente", "en": "previous period"},
    "source": {"fr": "Source", "en": "Source"},
    "language": {"fr": "Langue", "en": "Language"},
    "count": {"fr": "Mentions", "en": "Mentions"},
    "share": {"fr": "Part", "en": "Share"},
    "change": {"fr": "Évolution", "en": "Change"},
    "negative": {"fr": "négatives", "en": "negative"},
    "neutral": {"fr": "neutres", "en": "neutral"},
    "positive": {"fr": "positives", "en": "positive"},
    "net": {"fr": "Sentiment net", "en": "Net sentiment"},
    "themes": {"fr": "Thèmes dominants", "en": "Dominant themes"},
    "theme_term": {"fr": "mot", "en": "term"},
    "theme_hashtag": {"fr": "hashtag", "en": "hashtag"},
    "theme_landmark": {"fr": "lieu", "en": "landmark"},
    "lift": {"fr": "× la normale", "en": "× usual"},
    "new_theme": {"fr": "nouveau", "en": "new"},
    "themes_frequent": {"fr": "Sujets les plus fréquents", "en": "Most frequent subjects"},
    "no_baseline": {
        "fr": "Pas encore de période de référence pour ce territoire : rien ne peut encore être dit « au-dessus de la normale ».",
        "en": "No baseline period for this territory yet: nothing can be called above usual.",
    },
    "top_positive": {"fr": "Publications nettement positives les plus vues", "en": "Clearly positive posts seen most"},
    "top_negative": {"fr": "Publications nettement négatives les plus vues", "en": "Clearly negative posts seen most"},
    "copies": {"fr": "repris {count} fois", "en": "posted {count} times"},
    "stories": {"fr": "Ce qui a circulé", "en": "What circulated"},
    "storyline": {
        "fr": "Récit dominant : « {text} » ({source}), repris {size} fois par {authors} comptes",
        "en": "Dominant storyline: “{text}” ({source}), posted {size} times by {authors} accounts",
    },
    "story": {
        "fr": "repris {size} fois par {authors} comptes",
        "en": "posted {size} times by {authors} accounts",
    },
    "campaign": {"fr": "campagne de copier-coller", "en": "copy-paste campaign"},
    "incidents": {"fr": "Incidents de la période", "en": "Incidents of the period"},
    "no_incident": {"fr": "Aucun incident.", "en": "No incident."},
    "outcome_resolved": {"fr": "résolu", "en": "resolved"},
    "outcome_ongoing": {"fr": "en cours", "en": "ongoing"},
    "opened": {"fr": "ouvert le", "en": "opened"},
    "ambassadors": {"fr": "Ambassadeurs", "en": "Ambassadors"},
    "detractors": {"fr": "Détracteurs récurrents", "en": "Recurrent detractors"},
    "nobody": {"fr": "Personne cette période.", "en": "Nobody this period."},
    "reach": {"fr": "abonnés", "en": "followers"},
    "engagement": {"fr": "interactions", "en": "interactions"},
    "pseudonymised": {
        "fr": "Identités pseudonymisées (empreintes), conformément au paramétrage.",
        "en": "Identities are pseudonymised (hashes), as configured.",
    },
    "chart_sentiment": {"fr": "Sentiment au fil du temps", "en": "Sentiment over time"},
    "chart_sources": {"fr": "Part par source", "en": "Share by source"},
    "times_in": {"fr": "Heures affichées en {zone}.", "en": "Times shown in {zone}."},
    "severity_warning": {"fr": "avertissement", "en": "warning"},
    "severity_major": {"fr": "majeur", "en": "major"},
    "severity_critical": {"fr": "critique", "en": "critical"},
}

_MONTHS: dict[Language, tuple[str, ...]] = {
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
_WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
NARROW_NBSP = "\u202f"


@dataclass(frozen=True, slots=True)
class Locale:
    """How to say things to one receiver: a language and a time zone."""

    language: Language = "fr"
    timezone: str = "Europe/Paris"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unsupported language {self.language!r}; choose one of {', '.join(LANGUAGES)}")
        ZoneInfo(self.timezone)

    def t(self, key: str, **values: object) -> str:
        return _WORDS[key][self.language].format(**values)

    def day(self, day: date) -> str:
        weekday, month = _WEEKDAYS[self.language][day.weekday()], _MONTHS[self.language][day.month - 1]
        return f"{weekday} {day.day} {month} {day.year}"

    def weekday(self, day: date) -> str:
        return _WEEKDAYS[self.language][day.weekday()][:3]

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(ZoneInfo(self.timezone))

    def time(self, instant: datetime) -> str:
        return f"{self.local(instant):%H:%M}"

    def moment(self, instant: datetime) -> str:
        local = self.local(instant)
        return f"{local.day} {_MONTHS[self.language][local.month - 1]} {local:%H:%M}"

    def signed(self, value: float, digits: int = 2) -> str:
        text = f"{value:+.{digits}f}"
        return text.replace(".", ",") if self.language == "fr" else text

    def percent(self, share: float) -> str:
        value = f"{share * 100:.0f}"
        return f"{value}{NARROW_NBSP}%" if self.language == "fr" else f"{value}%"

    def change(self, change: float | None) -> str:
        if change is None:
            return "—"
        value = f"{change * 100:+.0f}"
        return f"{value}{NARROW_NBSP}%" if self.language == "fr" else f"{value}%"

    def number(self, value: float, digits: int = 0) -> str:
        text = f"{value:,.{digits}f}"
        if self.language == "fr":
            return text.replace(",", NARROW_NBSP).replace(".", ",")
        return text

    def title(self, digest: DigestEvent) -> str:
        key = "digest_day" if digest.period == "day" else "digest_week"
        return self.t(key, name=digest.territory_name, date=self.day(digest.period_date))
