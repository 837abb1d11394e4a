"""Turn a closed period's aggregate into the digest event (pure; the same inputs give the same digest)."""

from __future__ import annotations

from collections.abc import Mapping

from vigie.digest.aggregate import SENTIMENTS, AuthorTally, PeriodAggregate, PeriodSummary
from vigie.digest.options import DigestOptions
from vigie.digest.themes import TermBaseline, select_themes
from vigie.schemas import (
    DigestAuthor,
    DigestEvent,
    DigestIncident,
    SentimentMix,
    SentimentPoint,
    ShareBy,
    Territory,
    Volume,
)

MAX_SOURCES = 16
MAX_LANGUAGES = 32
OTHER = "other"


def change(count: int, previous: int | None) -> float | None:
    """Relative change; None when the previous figure is unknown or zero."""
    if previous is None or previous == 0:
        return None
    return (count - previous) / previous


def net_sentiment(negative: int, positive: int, total: int) -> float:
    return 0.0 if total == 0 else (positive - negative) / total


def shares(
    counts: Mapping[str, int], total: int, previous: PeriodSummary | None, field: str, limit: int
) -> tuple[ShareBy, ...]:
    """Share by key, with the previous period's figures; keys that fell to zero are listed too."""
    before: Mapping[str, int] = getattr(previous, field) if previous is not None else {}
    keys = sorted(set(counts) | set(before), key=lambda key: (-counts.get(key, 0), -before.get(key, 0), key))
    if len(keys) > limit:
        kept, folded = keys[: limit - 1], keys[limit - 1 :]
        counts = {**{k: counts.get(k, 0) for k in kept}, OTHER: sum(counts.get(k, 0) for k in folded)}
        before = {**{k: before.get(k, 0) for k in kept}, OTHER: sum(before.get(k, 0) for k in folded)}
        keys = [*kept, OTHER]
    previous_total = previous.total if previous is not None else None
    rows = []
    for key in keys:
        count = counts.get(key, 0)
        previous_count = before.get(key, 0) if previous is not None else None
        rows.append(
            ShareBy(
                key=key,
                count=count,
                share=count / total if total else 0.0,
                previous_count=previous_count,
                previous_share=(previous_count / previous_total)
                if previous_count is not None and previous_total
                else None,
                change=change(count, previous_count),
            )
        )
    return tuple(rows)


def sentiment_mix(counts: Mapping[str, int]) -> SentimentMix:
    negative, neutral, positive = (counts.get(label, 0) for label in SENTIMENTS)
    total = negative + neutral + positive
    return SentimentMix(
        negative=negative, neutral=neutral, positive=positive, net=net_sentiment(negative, positive, total)
    )


def _author(tally: AuthorTally) -> DigestAuthor:
    return DigestAuthor(
        author=tally.label,
        display_name=None if tally.pseudonymised else tally.display_name,
        pseudonymised=tally.pseudonymised,
        mentions=tally.mentions,
        positive=tally.positive,
        negative=tally.negative,
        reach=tally.reach,
        engagement=tally.engagement,
        sources=tally.source_kinds(),
    )


def ambassadors(aggregate: PeriodAggregate, options: DigestOptions) -> tuple[DigestAuthor, ...]:
    """Repeated positive, high-reach authors: most positive mentions first, then reach, engagement, label."""
    authors = aggregate.authors
    chosen = [
        authors.tally(at)
        for at, (positive, negative, reach) in enumerate(
            zip(authors.positive, authors.negative, authors.reach, strict=True)
        )
        if positive >= options.ambassador_min_positive
        and positive >= 2 * negative
        and reach >= options.ambassador_min_reach
    ]
    chosen.sort(key=lambda t: (-t.positive, -t.reach, -t.engagement, t.label))
    return tuple(_author(tally) for tally in chosen[: options.max_authors])


def detractors(aggregate: PeriodAggregate, options: DigestOptions) -> tuple[DigestAuthor, ...]:
    """Recurrent negative authors: most negative mentions first, then reach, engagement, label."""
    authors = aggregate.authors
    chosen = [
        authors.tally(at)
        for at, (positive, negative) in enumerate(zip(authors.positive, authors.negative, strict=True))
        if negative >= options.detractor_min_negative and negative >= 2 * positive
    ]
    chosen.sort(key=lambda t: (-t.negative, -t.reach, -t.engagement, t.label))
    return tuple(_author(tally) for tally in chosen[: options.max_authors])


def build_digest(
    aggregate: PeriodAggregate,
    *,
    territory: Territory | None,
    previous: PeriodSummary | None,
    baseline: TermBaseline,
    incidents: tuple[DigestIncident, ...],
    options: DigestOptions,
) -> DigestEvent:
    """The digest of a closed period. ``previous`` is None when the territory has no earlier history."""
    period = aggregate.period
    total = aggregate.total
    timeline = tuple(
        SentimentPoint(
            start=start,
            negative=negative,
            neutral=neutral,
            positive=positive,
            net=net_sentiment(negative, positive, negative + neutral + positive),
        )
        for start, (negative, neutral, positive) in zip(period.bucket_starts(), aggregate.timeline_rows(), strict=True)
    )
    themes, themes_basis = select_themes(
        aggregate.themes,
        total,
        baseline,
        min_count=options.theme_min_count,
        min_lift=options.theme_min_lift,
        limit=options.max_themes,
    )
    pseudonymised = options.pseudonymise or any(aggregate.authors.pseudonymised)
    return DigestEvent(
        digest_id=f"{aggregate.territory_id}:{period.key}",
        territory_id=aggregate.territory_id,
        territory_name=territory.name if territory else aggregate.territory_id,
        period=period.kind,
        period_date=period.day,
        timezone=period.timezone,
        period_start=period.start,
        period_end=period.end,
        event_time=period.end,
        pseudonymised=pseudonymised,
        volume=Volume(
            total=total,
            previous_total=previous.total if previous else None,
            change=change(total, previous.total if previous else None),
            previous_sentiment=sentiment_mix(previous.sentiment) if previous else None,
        ),
        sources=shares(aggregate.by_source, total, previous, "by_source", MAX_SOURCES),
        languages=shares(aggregate.by_language, total, previous, "by_language", MAX_LANGUAGES),
        sentiment=sentiment_mix(aggregate.sentiment),
        timeline=timeline,
        themes=themes,
        themes_basis=themes_basis,
        top_positive=aggregate.top_posts("positive"),
        top_negative=aggregate.top_posts("negative"),
        stories=aggregate.stories.stories(options.max_stories),
        incidents=incidents,
        ambassadors=ambassadors(aggregate, options),
        detractors=detractors(aggregate, options),
        labels=dict(territory.labels) if territory else {},
    )
