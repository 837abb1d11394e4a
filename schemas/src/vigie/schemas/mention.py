"""Mentions: one public post, article or comment about one territory.

A post that names two territories becomes two records (one per territory), keyed by territory id, so that
everything the classifier needs to judge one territory arrives on one partition in order.

Event time is bounded at ingestion: ``published_at`` never lies more than a few minutes (the collector's
``max_future_skew_s``, 300 s by default) after ``collected_at``, nor before the collector's floor (year
2000 by default). A source that claims a date outside that range (a clock-skewed server, a post "from
2099", a parse failure giving year 1) does not lose its mention: ``published_at`` is set to
``collected_at`` and the date as claimed is kept, as text, in ``published_at_claimed`` (absent otherwise).
Every instant of every contract also lies within 1970-01-01 .. 9000-01-01 (UTC), which the models enforce.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from vigie.schemas._base import (
    MAX_EXTRA_FIELDS,
    MAX_SAFE_INTEGER,
    MAX_TEXT_CHARS,
    Contract,
    Count,
    Identifier,
    LanguageTag,
    ShortText,
    TerritoryId,
    Timestamp,
    Url,
)

SourceKind = Literal[
    "rss",
    "mastodon",
    "bluesky",
    "reddit",
    "webhook",
    "replay",
    "youtube",
    "facebook",
    "instagram",
    "threads",
    "google_reviews",
    "gdelt",
    "x",
]
Rating = Annotated[float, Field(ge=1.0, le=5.0, allow_inf_nan=False)]
Sentiment = Literal["negative", "neutral", "positive"]
ExtraValue = str | int | float | bool | None


class Source(Contract):
    """Where a mention was collected: the kind of source and which instance of it."""

    kind: SourceKind
    instance: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        description="The feed URL, Mastodon instance host, subreddit, webhook client id or replay file name."
    )


class Author(Contract):
    """The author as the source knows them. With pseudonymisation on, `id` and `handle` are keyed hashes."""

    id: Identifier | None = None
    handle: ShortText | None = None
    display_name: ShortText | None = None
    pseudonymised: bool = False
    followers: Count | None = Field(default=None, description="Reach: followers or subscribers, if known.")


class Engagement(Contract):
    """Interaction counts at collection time (0 when the source does not report them)."""

    likes: Count = 0
    shares: Count = Field(default=0, description="Reposts, boosts, retweets, shares.")
    replies: Count = Field(default=0, description="Replies or comments.")
    views: Count | None = Field(default=None, description="Views or impressions, where the platform reports them.")


class RawMention(Contract):
    """Payload of ``vigie.mentions.raw.v1``: one mention matched to one territory.

    Event time is bounded at ingestion: a publication date later than a few minutes after collection or
    earlier than the collector's floor is replaced by ``collected_at``, and the date as claimed is kept in
    ``published_at_claimed``. Text never holds a lone surrogate; U+0000 is valid text."""

    mention_id: Identifier = Field(
        description="Stable id: '<source kind>:<source instance>:<source-native id>'. Identical on re-collection."
    )
    native_id: Identifier = Field(description="The id the source gives the post (status id, at-uri, guid).")
    source: Source
    url: Url | None = None
    title: Annotated[str, StringConstraints(max_length=2048)] | None = None
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)]
    language: LanguageTag | None = Field(default=None, description="Language declared by the source, if any.")
    author: Author = Field(default_factory=Author)
    engagement: Engagement = Field(default_factory=Engagement)
    published_at: Timestamp = Field(
        description=(
            "Event time: when the post was published; never more than the collector's max_future_skew_s after "
            "collected_at nor before its floor (else collected_at, see published_at_claimed)."
        )
    )
    collected_at: Timestamp = Field(description="Processing time: when the collector saw it.")
    published_at_claimed: ShortText | None = Field(
        default=None,
        description=(
            "The publication date the source claimed, as given, when it was out of range (in the future beyond "
            "the allowed clock skew, or before the floor) and published_at was set to collected_at; else absent."
        ),
    )
    territory_id: TerritoryId
    matched_terms: tuple[ShortText, ...] = Field(default=(), max_length=64)
    duplicate_of: Identifier | None = Field(
        default=None, description="mention_id of an earlier post with the same text by another author."
    )
    parent_id: Identifier | None = Field(
        default=None,
        description=(
            "Source-native id of the post, video or article this one replies to or comments on (a reply's "
            "parent, a comment's video or post), if any."
        ),
    )
    quoted_id: Identifier | None = Field(
        default=None, description="Source-native id of the post this one quotes or shares, if any."
    )
    rating: Rating | None = Field(
        default=None,
        description=(
            "Star rating from 1 to 5 for a review (Google Business Profile, a page recommendation); absent "
            "for posts. The classifier reads a rating of 2 or less as negative, 4 or more as positive."
        ),
    )
    extra: dict[Annotated[str, StringConstraints(max_length=64)], ExtraValue] = Field(default_factory=dict)

    @field_validator("extra")
    @classmethod
    def _bounded_extra(cls, value: dict[str, ExtraValue]) -> dict[str, ExtraValue]:
        """At most 32 fields; strings of at most 1024 characters that UTF-8 can encode (no lone surrogate);
        integers within ±(2**53 - 1) and finite numbers, which every JSON reader can represent."""
        if len(value) > MAX_EXTRA_FIELDS:
            raise ValueError(f"at most {MAX_EXTRA_FIELDS} extra fields, got {len(value)}")
        for key, item in value.items():
            if isinstance(item, str):
                if len(item) > 1024:
                    raise ValueError(f"extra field {key!r} longer than 1024 characters")
                if not item.isascii():
                    try:
                        item.encode("utf-8")
                    except UnicodeEncodeError:
                        raise ValueError(
                            f"extra field {key!r} holds a lone surrogate (not encodable as UTF-8)"
                        ) from None
            elif isinstance(item, bool) or item is None:
                continue
            elif isinstance(item, int):
                if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    raise ValueError(f"extra field {key!r} is an integer beyond ±(2**53 - 1)")
            elif not math.isfinite(item):
                raise ValueError(f"extra field {key!r} is not a finite number")
        return value

    @property
    def reach(self) -> int:
        """Followers if known, else 0."""
        return self.author.followers or 0


class SentimentScores(Contract):
    """Class probabilities; they sum to 1 within rounding."""

    negative: Annotated[float, Field(ge=0.0, le=1.0)]
    neutral: Annotated[float, Field(ge=0.0, le=1.0)]
    positive: Annotated[float, Field(ge=0.0, le=1.0)]


class ScoredMention(RawMention):
    """Payload of ``vigie.mentions.scored.v1``: a raw mention with its language and sentiment."""

    detected_language: LanguageTag = Field(description="Language identified by the classifier ('und' if unsure).")
    sentiment: Sentiment
    scores: SentimentScores
    model: ShortText = Field(description="Sentiment model name and version that produced the label.")
