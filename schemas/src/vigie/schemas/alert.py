"""Alert events: the lifecycle of one incident (a significant surge of negative mentions about a territory).

Every field is a function of the mentions' event time and content, never of wall-clock time, so that a
replay at full speed and ``vigie backtest`` produce exactly the same events as the live service.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from vigie.schemas._base import Contract, Count, Identifier, LanguageTag, ShortText, TerritoryId, Timestamp, Url
from vigie.schemas.mention import Sentiment, SourceKind

Transition = Literal["raised", "updated", "escalated", "resolved"]
Severity = Literal["warning", "major", "critical"]
IncidentKind = Literal["negative_surge"]

SEVERITY_RANK: dict[Severity, int] = {"warning": 1, "major": 2, "critical": 3}


class SeriesPoint(Contract):
    """One event-time bucket of the evidence series."""

    start: Timestamp
    observed: Annotated[float, Field(ge=0)] = Field(description="Negative mentions observed in the bucket.")
    expected: Annotated[float, Field(ge=0)] = Field(description="Negative mentions the baseline expected.")
    total: Annotated[float, Field(ge=0)] = Field(default=0, description="All mentions observed in the bucket.")


class EvidenceMention(Contract):
    """A negative mention that matters (ranked by reach), with its text cut to a preview."""

    mention_id: Identifier
    url: Url | None = None
    text: Annotated[str, Field(max_length=1000)]
    author_handle: ShortText | None = None
    reach: Count = 0
    source: SourceKind
    language: LanguageTag
    sentiment: Sentiment
    published_at: Timestamp


class TermWeight(Contract):
    """A term or hashtag over-represented in the incident compared with the territory's baseline."""

    term: ShortText
    count: Count
    lift: Annotated[float, Field(ge=0)] = Field(description="Frequency in the incident / frequency in baseline.")


class CountBy(Contract):
    """A count of mentions by one key (source kind, language)."""

    key: ShortText
    count: Count


class PostCluster(Contract):
    """Near-duplicate negative posts (same words once links, handles and punctuation are set aside).

    ``campaign`` flags a copy-paste campaign: many copies by distinct accounts within a short time."""

    text: Annotated[str, Field(max_length=1000)] = Field(description="Preview of the most reached post.")
    url: Url | None = None
    author_handle: ShortText | None = None
    source: SourceKind
    reach: Count = Field(default=0, description="Reach of the representative (most reached) post.")
    size: Count = Field(description="Posts of the cluster counted in the incident (or the window that raised it).")
    authors: Count = Field(description="Distinct authors of those posts (estimated beyond a few hundred).")
    campaign: bool = False
    first_published_at: Timestamp


class Significance(Contract):
    """Why the detector decided: the figures at the time of the event."""

    observed: Annotated[float, Field(ge=0)]
    expected: Annotated[float, Field(ge=0)]
    ratio: Annotated[float, Field(ge=0)] = Field(description="observed / expected.")
    score: Annotated[float, Field(ge=0)] = Field(description="-log10 of the tail probability under the baseline.")
    negative_share: Annotated[float, Field(ge=0, le=1)]
    baseline_share: Annotated[float, Field(ge=0, le=1)]


class Evidence(Contract):
    """What a responder needs to act: the series, the posts, the terms, the channels."""

    series: tuple[SeriesPoint, ...] = Field(default=(), max_length=24 * 12 + 1)
    top_mentions: tuple[EvidenceMention, ...] = Field(default=(), max_length=20)
    terms: tuple[TermWeight, ...] = Field(default=(), max_length=30)
    hashtags: tuple[TermWeight, ...] = Field(default=(), max_length=30)
    sources: tuple[CountBy, ...] = Field(default=(), max_length=16)
    languages: tuple[CountBy, ...] = Field(default=(), max_length=32)
    clusters: tuple[PostCluster, ...] = Field(
        default=(), max_length=10, description="Largest clusters of near-duplicate posts, largest first."
    )
    first_mention: EvidenceMention | None = Field(
        default=None, description="The earliest negative post of the incident (or of the window that raised it)."
    )
    negative_mentions: Count | None = Field(
        default=None, description="Negative posts counted in the incident (or in the window that raised it)."
    )
    new_author_share: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="Share of those posts whose author the territory's baseline had not seen."
    )


class AlertEvent(Contract):
    """Payload of ``vigie.alerts.v1``: one step of an incident's lifecycle, keyed by incident id."""

    event_id: Identifier = Field(description="'<incident_id>:<sequence>': unique and stable across replays.")
    incident_id: Identifier = Field(description="Stable: territory, kind and the event time that opened it.")
    sequence: Annotated[int, Field(ge=0)] = Field(description="0 for raised, then +1 per event of the incident.")
    transition: Transition
    kind: IncidentKind = "negative_surge"
    severity: Severity
    territory_id: TerritoryId
    territory_name: ShortText
    opened_at: Timestamp = Field(description="Event time of the mention that raised the incident.")
    event_time: Timestamp = Field(description="Event time of the mention (or quiet period) behind this event.")
    resolved_at: Timestamp | None = None
    trigger_mention_id: Identifier | None = None
    significance: Significance
    peak_severity: Severity
    evidence: Evidence = Field(default_factory=Evidence)
    labels: dict[Annotated[str, Field(max_length=64)], ShortText] = Field(
        default_factory=dict, max_length=32, description="Routing labels copied from the territory."
    )
