"""The story of an incident in a few sentences, and its figures with their window (pure).

The story is built from the evidence the classifier computed: the largest cluster of near-duplicate posts
(its representative post and who wrote it) is the dominant storyline; a copy-paste campaign is named as
such; the terms and hashtags come by keyness against the territory's own baseline; then the first post and
the share of new authors. Sentences quote posts: they are *untrusted* and every renderer escapes them.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from vigie.notifier.rendering.catalog import CATALOG
from vigie.schemas import AlertEvent, Evidence, EvidenceMention, PostCluster, SeriesPoint
from vigie.text.defang import one_line
from vigie.text.locale import UNITS, Language, format_count, format_duration, format_number

QUOTE_CHARS = 160
_STORY_TERMS = 6
#: Below this many negative posts the dominant terms are too few to judge which top posts are on topic.
RELEVANCE_MIN_MENTIONS = 50
#: A cluster smaller than this is no storyline: the most reached post tells the story better.
STORYLINE_MIN_SIZE = 5


def _who(handle: str | None, source: str) -> str:
    return f"{handle}, {source}" if handle else source


def _quote(text: str) -> str:
    return one_line(text, QUOTE_CHARS)


def storyline(evidence: Evidence, locale: Language) -> str | None:
    """The dominant storyline: the largest cluster (else the most reached post) in one sentence."""
    words = CATALOG[locale]
    clusters = [c for c in evidence.clusters if not c.campaign] or list(evidence.clusters)
    clusters = [c for c in clusters if c.size >= STORYLINE_MIN_SIZE]
    if clusters:
        lead: PostCluster = max(clusters, key=lambda c: (c.size, -c.first_published_at.timestamp()))
        return words["story_storyline"].format(
            quote=_quote(lead.text),
            who=_who(lead.author_handle, lead.source),
            size=format_count(lead.size, locale),
            authors=format_count(lead.authors, locale),
        )
    relevant = relevant_mentions(evidence)
    if relevant:
        top = relevant[0]
        return words["story_single"].format(quote=_quote(top.text), who=_who(top.author_handle, top.source))
    return None


def _words(text: str) -> set[str]:
    return {w.strip("#.,;:!?«»\"'()") for w in text.casefold().split()}


def _incident_keys(evidence: Evidence) -> set[str]:
    return {t.term.casefold() for t in evidence.terms} | {h.term.casefold().lstrip("#") for h in evidence.hashtags}


def on_topic(mention: EvidenceMention, evidence: Evidence) -> bool:
    """Whether ``mention`` shares a dominant term or hashtag with the incident (True when there are none to
    judge by)."""
    keys = _incident_keys(evidence)
    return not keys or bool(_words(mention.text) & keys)


def relevant_mentions(evidence: Evidence) -> tuple[EvidenceMention, ...]:
    """The top posts that share a dominant term or hashtag with the incident (all of them when there are no
    terms, in an incident of fewer than :data:`RELEVANCE_MIN_MENTIONS` negative posts, or when fewer than two
    would be left): an unrelated complaint that happened to reach many people
    during the incident is not one of the posts that matter."""
    keys = _incident_keys(evidence)
    if not keys or (evidence.negative_mentions or 0) < RELEVANCE_MIN_MENTIONS:
        return evidence.top_mentions
    kept = tuple(m for m in evidence.top_mentions if _words(m.text) & keys)
    return kept if len(kept) >= 2 else evidence.top_mentions


def story_lines(evidence: Evidence, locale: Language, zone: ZoneInfo) -> tuple[str, ...]:
    """Storyline, campaigns, what people talk about, first post (when on topic) and new authors: the sentences
    that apply."""
    words = CATALOG[locale]
    lines: list[str] = []
    lead = storyline(evidence, locale)
    if lead is not None:
        lines.append(lead)
    for campaign in [c for c in evidence.clusters if c.campaign][:2]:
        lines.append(
            words["story_campaign"].format(
                quote=_quote(campaign.text),
                size=format_count(campaign.size, locale),
                authors=format_count(campaign.authors, locale),
            )
        )
    ranked = sorted(
        [
            *((f"#{h.term.lstrip('#')}", h.count) for h in evidence.hashtags[:3]),
            *((t.term, t.count) for t in evidence.terms),
        ],
        key=lambda pair: -pair[1],
    )
    hashtags = [term for term, _ in ranked if term.startswith("#")]
    others = [term for term, _ in ranked if not term.startswith("#")]
    talked = (hashtags[:2] + others)[:_STORY_TERMS]
    if talked:
        lines.append(words["story_terms"].format(terms=", ".join(talked)))
    first = evidence.first_mention
    # The earliest negative post of the window may be an unrelated complaint: named only when on topic.
    if first is not None and on_topic(first, evidence):
        local = first.published_at.astimezone(zone)
        when = local.strftime("%d/%m %H:%M") if locale == "fr" else f"{local.day} {local.strftime('%b %H:%M')}"
        lines.append(words["story_first"].format(when=when, who=_who(first.author_handle, first.source)))
    if evidence.new_author_share is not None and evidence.negative_mentions:
        share = format_count(100 * evidence.new_author_share, locale)
        lines.append(words["story_new_authors"].format(share=share))
    return tuple(lines)


def window_minutes(series: tuple[SeriesPoint, ...], observed: float, bucket_minutes: int = 5) -> int | None:
    """The test window behind ``observed``: the fewest trailing buckets whose observed counts add up to it
    (the detector sums whole trailing buckets), or None when no such window is found."""
    total = 0.0
    for width, point in enumerate(reversed(series[-48:]), start=1):
        total += point.observed
        if abs(total - observed) < 0.5:
            return width * bucket_minutes
        if total > observed + 0.5:
            return None
    return None


def _window_text(minutes: int, locale: Language) -> str:
    words = UNITS[locale]
    if minutes % 60 == 0:
        return words["hours"].format(h=minutes // 60)
    return words["minutes"].format(n=minutes)


def figures(alert: AlertEvent, locale: Language) -> str:
    """``69 mentions négatives en 1 h, 0,3 attendues (230 fois la normale).``; at resolution, the peak and the
    size of the incident instead of the last figures (which would contradict "back to normal")."""
    words = CATALOG[locale]
    if alert.transition == "resolved":
        duration = (alert.resolved_at or alert.event_time) - alert.opened_at
        count = alert.evidence.negative_mentions
        if count:
            return words["figures_resolve"].format(
                peak=words[alert.peak_severity],
                count=format_count(count, locale),
                duration=format_duration(duration, locale),
            )
        return words["figures_resolve_no_count"].format(
            peak=words[alert.peak_severity], duration=format_duration(duration, locale)
        )
    sig = alert.significance
    values = {
        "observed": format_number(sig.observed, locale),
        "expected": format_number(sig.expected, locale),
        "ratio": format_number(sig.ratio, locale),
    }
    minutes = window_minutes(alert.evidence.series, sig.observed)
    if minutes is None:
        return words["figures_no_window"].format(**values)
    return words["figures"].format(window=_window_text(minutes, locale), **values)
