"""Digests: the periodic picture of a territory's image — where people talk, what image they convey, who
its ambassadors are.

A digest covers one calendar period (a day, or an ISO week starting Monday) in the territory's time zone.
Every figure is a function of the mentions' event time (``published_at``) and content, never of wall-clock
time, so a replay or a backfill of the same mentions produces the same digest. With pseudonymisation on
(the author's ``pseudonymised`` flag or the digest option), identities are keyed hashes (``anon-…``), post
URLs are dropped and ``@handles`` in post texts are masked: no raw handle ever leaves in a digest.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from vigie.schemas._base import Contract, Count, Identifier, LanguageTag, ShortText, TerritoryId, Timestamp, Url
from vigie.schemas.alert import Severity, Transition
from vigie.schemas.mention import Sentiment, SourceKind

DigestPeriod = Literal["day", "week"]
ThemeKind = Literal["term", "hashtag", "landmark"]
ThemesBasis = Literal["baseline", "frequency"]
IncidentOutcome = Literal["resolved", "ongoing"]

Share = Annotated[float, Field(ge=0, le=1)]
NetSentiment = Annotated[float, Field(ge=-1, le=1)]


class ShareBy(Contract):
    """Volume for one key (source kind, language) and how it moved against the previous period."""

    key: ShortText
    count: Count
    share: Share = Field(description="count / the period's total.")
    previous_count: Count | None = Field(default=None, description="Count in the previous period, if known.")
    previous_share: Share | None = None
    change: float | None = Field(
        default=None, description="(count - previous_count) / previous_count; null when unknown or from zero."
    )


class SentimentMix(Contract):
    """Mentions by sentiment; ``net`` = (positive - negative) / total, 0 when there is no mention."""

    negative: Count = 0
    neutral: Count = 0
    positive: Count = 0
    net: NetSentiment = 0.0


class SentimentPoint(Contract):
    """One bucket of the sentiment timeline (an hour of a daily digest, a day of a weekly one)."""

    start: Timestamp
    negative: Count = 0
    neutral: Count = 0
    positive: Count = 0
    net: NetSentiment = 0.0


class Volume(Contract):
    """The period's volume against the previous period's."""

    total: Count
    previous_total: Count | None = Field(default=None, description="Null when the previous period is unknown.")
    change: float | None = Field(default=None, description="(total - previous) / previous; null when unknown.")
    previous_sentiment: SentimentMix | None = None


class Theme(Contract):
    """A term, hashtag or landmark that characterises the period.

    Against a baseline (``DigestEvent.themes_basis == "baseline"``), a theme is significantly more frequent
    than in the territory's previous periods (Dunning's G² keyness, the ranking); ``lift`` is the real ratio
    of its shares, null for a term the baseline never had (new). Without a baseline yet (``"frequency"``),
    themes are the period's most frequent terms and ``lift`` is null."""

    term: ShortText
    kind: ThemeKind
    count: Count = Field(description="Mentions of the period containing the term.")
    lift: Annotated[float, Field(ge=0)] | None = Field(
        default=None,
        description="Share of the period's mentions containing it / share in the baseline (previous periods); "
        "null when the baseline never had it or there is no baseline.",
    )


class DigestPost(Contract):
    """A top post of the period: among the posts whose label the model gives with at least the digest's
    minimum confidence, the highest ``confidence × ln(e + engagement + reach)``, one per near-duplicate
    cluster; text cut to a preview, identity hashed when pseudonymised."""

    mention_id: Identifier
    url: Url | None = None
    text: Annotated[str, Field(max_length=500)]
    author: ShortText | None = Field(default=None, description="Handle, or 'anon-…' hash when pseudonymised.")
    source: SourceKind
    language: LanguageTag
    sentiment: Sentiment
    engagement: Count = Field(description="likes + shares + replies at collection time.")
    reach: Count = 0
    published_at: Timestamp
    confidence: Share | None = Field(default=None, description="The model's probability for ``sentiment``.")
    copies: Count = Field(
        default=1, description="Near-duplicate posts of the period with the same text, this one included."
    )


class DigestStory(Contract):
    """Near-duplicate posts of the period (same first words once links, handles, case and punctuation are set
    aside), with the most reached one as representative; ``campaign`` flags a copy-paste campaign (many copies
    by distinct accounts within minutes)."""

    text: Annotated[str, Field(max_length=500)] = Field(description="Preview of the most reached post.")
    url: Url | None = None
    author: ShortText | None = Field(default=None, description="Handle, or 'anon-…' hash when pseudonymised.")
    source: SourceKind
    sentiment: Sentiment
    reach: Count = 0
    size: Count = Field(description="Posts of the period in the cluster.")
    authors: Count = Field(description="Distinct authors of those posts (estimated beyond a few dozen).")
    campaign: bool = False
    first_published_at: Timestamp


class DigestAuthor(Contract):
    """An ambassador or a recurrent detractor over the period."""

    author: ShortText = Field(description="Handle, or 'anon-…' keyed hash when pseudonymised.")
    display_name: ShortText | None = Field(default=None, description="Always null when pseudonymised.")
    pseudonymised: bool
    mentions: Count
    positive: Count
    negative: Count
    reach: Count = Field(description="Largest follower count seen for the author in the period.")
    engagement: Count = Field(description="Total engagement of the author's mentions in the period.")
    sources: tuple[SourceKind, ...] = Field(default=(), max_length=8)


class DigestIncident(Contract):
    """An incident open at some time during the period, with its outcome at the period's end."""

    incident_id: Identifier
    severity: Severity = Field(description="Peak severity reached by the end of the period.")
    opened_at: Timestamp
    resolved_at: Timestamp | None = None
    outcome: IncidentOutcome
    last_transition: Transition
    events: Count = Field(description="Alert events of the incident seen up to the period's end.")
    top_terms: tuple[ShortText, ...] = Field(default=(), max_length=5)


class DigestEvent(Contract):
    """Payload of ``vigie.digests.v1``: the image of one territory over one period, keyed by territory."""

    digest_id: Identifier = Field(description="'<territory_id>:<period>:<local start date>': stable across replays.")
    territory_id: TerritoryId
    territory_name: ShortText
    period: DigestPeriod
    period_date: date = Field(description="Local start date of the period (a Monday for weeks).")
    timezone: ShortText = Field(description="IANA time zone of the territory, in which periods are cut.")
    period_start: Timestamp
    period_end: Timestamp = Field(description="Exclusive end; 23 or 25 hours after the start across DST.")
    event_time: Timestamp = Field(description="The period's end: the event time this digest speaks for.")
    pseudonymised: bool = Field(description="True when identities in this digest are hashed.")
    volume: Volume
    sources: tuple[ShareBy, ...] = Field(default=(), max_length=16)
    languages: tuple[ShareBy, ...] = Field(default=(), max_length=32)
    sentiment: SentimentMix
    timeline: tuple[SentimentPoint, ...] = Field(default=(), max_length=25)
    themes: tuple[Theme, ...] = Field(default=(), max_length=30)
    themes_basis: ThemesBasis = Field(
        default="baseline",
        description="'baseline': themes by keyness against the previous periods; 'frequency': no baseline yet.",
    )
    stories: tuple[DigestStory, ...] = Field(
        default=(), max_length=10, description="Largest clusters of near-duplicate posts, campaigns flagged."
    )
    top_positive: tuple[DigestPost, ...] = Field(default=(), max_length=10)
    top_negative: tuple[DigestPost, ...] = Field(default=(), max_length=10)
    incidents: tuple[DigestIncident, ...] = Field(default=(), max_length=50)
    ambassadors: tuple[DigestAuthor, ...] = Field(default=(), max_length=20)
    detractors: tuple[DigestAuthor, ...] = Field(default=(), max_length=20)
    labels: dict[Annotated[str, Field(max_length=64)], ShortText] = Field(
        default_factory=dict, max_length=32, description="Routing labels copied from the territory."
    )
