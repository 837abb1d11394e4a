"""The digest's words in French and English (:data:`WORDS`) and its title; numbers, dates and time zones come
from :class:`vigie.text.locale.Locale` (a receiver's language and time zone), shared with the notifier."""

from __future__ import annotations

from vigie.schemas import DigestEvent
from vigie.text.catalogue import Catalogue
from vigie.text.locale import LANGUAGES, Language, Locale

__all__ = ["LANGUAGES", "WORDS", "Language", "Locale", "say", "title"]

WORDS = Catalogue.by_entry(
    {
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
        "top_positive": {
            "fr": "Publications nettement positives les plus vues",
            "en": "Clearly positive posts seen most",
        },
        "top_negative": {
            "fr": "Publications nettement négatives les plus vues",
            "en": "Clearly negative posts seen most",
        },
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
)


def say(locale: Locale, key: str, **values: object) -> str:
    """The digest's entry ``key`` in the receiver's language."""
    return WORDS.say(locale.language, key, **values)


def title(digest: DigestEvent, locale: Locale) -> str:
    """``Image de Saint-Malo — mardi 14 juillet 2026`` (the email's subject, the page's heading)."""
    key = "digest_day" if digest.period == "day" else "digest_week"
    return say(locale, key, name=digest.territory_name, date=locale.day(digest.period_date))
