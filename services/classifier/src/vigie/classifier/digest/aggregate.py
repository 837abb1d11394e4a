"""The running figures of one territory over one period, fed mention by mention (pure, JSON-serialisable).

A mention is counted once per period even when it is delivered again (at-least-once delivery, replays):
the aggregate remembers a 64-bit hash of each mention id it has counted.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, get_args

from vigie.classifier.digest.identity import Identity, mask_handles
from vigie.classifier.digest.periods import Period, period_starting
from vigie.schemas import DigestPost, ScoredMention, Sentiment, SourceKind

SENTIMENTS: tuple[Sentiment, ...] = ("negative", "neutral", "positive")
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)
SOURCE_BITS: dict[str, int] = {kind: bit for bit, kind in enumerate(SOURCE_KINDS)}
_SENTIMENT_INDEX: dict[str, int] = {label: index for index, label in enumerate(SENTIMENTS)}
PREVIEW_CHARS = 280


def mention_fingerprint(mention_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(mention_id.encode("utf-8"), digest_size=8).digest(), "big")


def engagement_of(mention: ScoredMention) -> int:
    return mention.engagement.likes + mention.engagement.shares + mention.engagement.replies


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def post_of(mention: ScoredMention, identity: Identity | None, pseudonymise: bool) -> DigestPost:
    """The digest's view of a post; identity hashed, handles masked and URL dropped when pseudonymised."""
    hidden = pseudonymise or (identity is not None and identity.pseudonymised) or mention.author.pseudonymised
    text = _preview(mention.text or mention.title or "")
    return DigestPost(
        mention_id=mention.mention_id,
        url=None if hidden else mention.url,
        text=mask_handles(text) if hidden else text,
        author=identity.label if identity else None,
        source=mention.source.kind,
        language=mention.detected_language,
        sentiment=mention.sentiment,
        engagement=engagement_of(mention),
        reach=mention.reach,
        published_at=mention.published_at,
    )


Rank = tuple[int, int, float, str]


def _post_rank(post: DigestPost) -> Rank:
    """Most engaged first, then widest reach, then earliest, then by id (a total order: deterministic)."""
    return (-post.engagement, -post.reach, post.published_at.timestamp(), post.mention_id)


class _LastPost:
    """The post last built, for the next aggregate offered the same mention (its day, then its week)."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        #: (mention, identity, pseudonymise, post), replaced as a whole.
        self.last: tuple[ScoredMention, Identity | None, bool, DigestPost] | None = None

    def post_of(self, mention: ScoredMention, identity: Identity | None, pseudonymise: bool) -> DigestPost:
        last = self.last
        if last is not None and last[0] is mention and last[1] is identity and last[2] == pseudonymise:
            return last[3]
        post = post_of(mention, identity, pseudonymise)
        self.last = (mention, identity, pseudonymise, post)
        return post


_last_post = _LastPost()


@dataclass(slots=True)
class AuthorTally:
    """One author's mentions in the period."""

    label: str
    display_name: str | None
    pseudonymised: bool
    mentions: int = 0
    positive: int = 0
    negative: int = 0
    reach: int = 0
    engagement: int = 0
    #: Bit ``i`` set when the author posted on ``SOURCE_KINDS[i]`` (an int: no list per author and period).
    sources: int = 0

    def source_kinds(self) -> tuple[SourceKind, ...]:
        """The source kinds the author posted on, in alphabetical order."""
        return tuple(sorted(kind for bit, kind in enumerate(SOURCE_KINDS) if self.sources >> bit & 1))


_TALLY_FIELDS = tuple(f.name for f in fields(AuthorTally))


def _tally_state(tally: AuthorTally) -> dict[str, Any]:
    """``asdict`` without its deep copies (every field is a scalar): the service checkpoints this often (a
    literal: fields in declaration order, as :data:`_TALLY_FIELDS`)."""
    return {
        "label": tally.label,
        "display_name": tally.display_name,
        "pseudonymised": tally.pseudonymised,
        "mentions": tally.mentions,
        "positive": tally.positive,
        "negative": tally.negative,
        "reach": tally.reach,
        "engagement": tally.engagement,
        "sources": tally.sources,
    }


@dataclass
class PeriodAggregate:
    """Counts of one territory over one period; ``observe`` is idempotent per mention id."""

    territory_id: str
    period: Period
    total: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    sentiment: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SENTIMENTS, 0))
    timeline: list[list[int]] = field(default_factory=list)
    themes: dict[str, int] = field(default_factory=dict)
    top_positive: list[DigestPost] = field(default_factory=list)
    top_negative: list[DigestPost] = field(default_factory=list)
    authors: dict[str, AuthorTally] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.timeline:
            self.timeline = [[0, 0, 0] for _ in self.period.bucket_starts()]
        # The rank of each top post, aligned with the lists (kept sorted by it): not recomputed per offer.
        self._ranks: dict[bool, list[Rank]] = {
            True: [_post_rank(post) for post in self.top_positive],
            False: [_post_rank(post) for post in self.top_negative],
        }

    def observe(
        self,
        mention: ScoredMention,
        identity: Identity | None,
        theme_keys: set[str],
        *,
        top_posts: int,
        pseudonymise: bool,
        fingerprint: int | None = None,
        deduplicate: bool = True,
    ) -> bool:
        """Count a mention of this period; False if it was already counted. ``fingerprint`` is
        :func:`mention_fingerprint` of its id, if the caller has it already."""
        if deduplicate:
            if fingerprint is None:
                fingerprint = mention_fingerprint(mention.mention_id)
            if fingerprint in self.seen:
                return False
            self.seen.add(fingerprint)
        self.total += 1
        source = mention.source.kind
        self.by_source[source] = self.by_source.get(source, 0) + 1
        language = mention.detected_language
        self.by_language[language] = self.by_language.get(language, 0) + 1
        label = mention.sentiment
        self.sentiment[label] += 1
        bucket = min(max(self.period.bucket_index(mention.published_at), 0), len(self.timeline) - 1)
        self.timeline[bucket][_SENTIMENT_INDEX[label]] += 1
        themes = self.themes
        for key in theme_keys:
            themes[key] = themes.get(key, 0) + 1
        if label != "neutral":
            self._offer_post(mention, identity, top_posts, pseudonymise)
        if identity is not None:
            self._tally_author(mention, identity)
        return True

    def _offer_post(self, mention: ScoredMention, identity: Identity | None, limit: int, pseudonymise: bool) -> None:
        positive = mention.sentiment == "positive"
        posts = self.top_positive if positive else self.top_negative
        ranks = self._ranks[positive]
        engagement = engagement_of(mention)
        if len(posts) >= limit and engagement < posts[-1].engagement:
            return
        rank = (-engagement, -mention.reach, mention.published_at.timestamp(), mention.mention_id)
        if len(posts) >= limit and rank >= ranks[-1]:
            return
        # Where appending and a stable sort by rank would put it (after equal ranks), then cut to ``limit``.
        at = bisect_right(ranks, rank)
        ranks.insert(at, rank)
        posts.insert(at, _last_post.post_of(mention, identity, pseudonymise))
        del ranks[limit:]
        del posts[limit:]

    def _tally_author(self, mention: ScoredMention, identity: Identity) -> None:
        tally = self.authors.get(identity.key)
        if tally is None:
            tally = AuthorTally(identity.label, identity.display_name, identity.pseudonymised)
            self.authors[identity.key] = tally
        tally.mentions += 1
        label = mention.sentiment
        tally.positive += label == "positive"
        tally.negative += label == "negative"
        reach = mention.reach
        if reach > tally.reach:
            tally.reach = reach
        tally.engagement += engagement_of(mention)
        tally.sources |= 1 << SOURCE_BITS[mention.source.kind]

    def summary(self) -> PeriodSummary:
        return PeriodSummary(
            day=self.period.day.isoformat(),
            total=self.total,
            by_source=dict(self.by_source),
            by_language=dict(self.by_language),
            sentiment=dict(self.sentiment),
        )

    def to_state(self) -> dict[str, Any]:
        return {
            "territory_id": self.territory_id,
            "period": {"kind": self.period.kind, "day": self.period.day.isoformat(), "tz": self.period.timezone},
            "total": self.total,
            "by_source": self.by_source,
            "by_language": self.by_language,
            "sentiment": self.sentiment,
            "timeline": self.timeline,
            "themes": self.themes,
            "top_positive": [post.model_dump(mode="json") for post in self.top_positive],
            "top_negative": [post.model_dump(mode="json") for post in self.top_negative],
            "authors": {key: _tally_state(tally) for key, tally in self.authors.items()},
            "seen": sorted(self.seen),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> PeriodAggregate:
        spec = state["period"]
        period = period_starting(spec["kind"], datetime.fromisoformat(spec["day"]).date(), spec["tz"])
        return cls(
            territory_id=state["territory_id"],
            period=period,
            total=state["total"],
            by_source=dict(state["by_source"]),
            by_language=dict(state["by_language"]),
            sentiment=dict(state["sentiment"]),
            timeline=[list(bucket) for bucket in state["timeline"]],
            themes=dict(state["themes"]),
            top_positive=[DigestPost.model_validate(post) for post in state["top_positive"]],
            top_negative=[DigestPost.model_validate(post) for post in state["top_negative"]],
            authors={key: AuthorTally(**tally) for key, tally in state["authors"].items()},
            seen=set(state["seen"]),
        )


@dataclass(frozen=True)
class PeriodSummary:
    """What the next period compares itself with."""

    day: str
    total: int
    by_source: dict[str, int]
    by_language: dict[str, int]
    sentiment: dict[str, int]

    def to_state(self) -> dict[str, Any]:
        return vars(self).copy()

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> PeriodSummary:
        return cls(**state)

    @classmethod
    def empty(cls, day: str) -> PeriodSummary:
        return cls(day=day, total=0, by_source={}, by_language={}, sentiment=dict.fromkeys(SENTIMENTS, 0))
