"""The running figures of one territory over one period, fed mention by mention (pure, JSON-serialisable).

A mention is counted once per period even when it is delivered again (at-least-once delivery, replays):
the aggregate remembers a 64-bit hash of each mention id it has counted.

Top posts: a positive or negative post is a candidate when the model gives its label a probability of at
least the digest's minimum confidence; candidates are ranked by ``confidence × ln(e + engagement + reach)``
(a post the model is sure of and many people saw first), and the list keeps one post per near-duplicate
cluster (:func:`~vigie.digest.clusters.signature`): the best ranked copy.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from bisect import bisect_right
from collections.abc import Mapping, MutableSequence, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, get_args

from pydantic_core import to_jsonable_python

from vigie.digest import clusters
from vigie.digest.identity import Identity, mask_handles
from vigie.digest.periods import Period, period_starting
from vigie.digest.preview import preview
from vigie.digest.stories import StoryTable, stories_from_state
from vigie.schemas import DigestPost, ScoredMention, Sentiment, SourceKind

SENTIMENTS: tuple[Sentiment, ...] = ("negative", "neutral", "positive")
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)
#: The bit of each source kind in :attr:`AuthorTally.sources`.
SOURCE_FLAGS: dict[str, int] = {kind: 1 << bit for bit, kind in enumerate(SOURCE_KINDS)}
_SENTIMENT_INDEX: dict[str, int] = {label: index for index, label in enumerate(SENTIMENTS)}
PREVIEW_CHARS = 280
#: Near-duplicate clusters a period keeps (see :mod:`vigie.digest.stories`).
STORY_CAPACITY = 64
#: Characters of a post's text read for its near-duplicate signature (its first words).
_SIGNATURE_CHARS = 1000


def mention_fingerprint(mention_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(mention_id.encode("utf-8"), digest_size=8).digest(), "big")


class TopPost(NamedTuple):
    """A top post as an open period keeps it (a tuple: the :class:`DigestPost` is built with the digest, as
    most posts offered to a period are pushed out of its top list before it closes). The fields, names and
    values of the :class:`DigestPost`: URL dropped and handles masked when pseudonymised."""

    mention_id: str
    url: str | None
    text: str
    author: str | None
    source: SourceKind
    language: str
    sentiment: Sentiment
    engagement: int
    reach: int
    published_at: datetime
    confidence: float | None

    def digest_post(self, copies: int = 1) -> DigestPost:
        return DigestPost(**self._asdict(), copies=copies)

    def signature(self) -> str:
        return clusters.signature(self.text[:_SIGNATURE_CHARS])

    def to_state(self) -> list[Any]:
        """The fields in order, the time as ``DigestPost`` writes it in JSON (state version 2)."""
        return [*self[:-2], to_jsonable_python(self.published_at), self.confidence]

    @classmethod
    def from_state(cls, state: Sequence[Any] | Mapping[str, Any]) -> TopPost:
        """A post of :meth:`to_state` (with or without its confidence, kept since), or of state version 1
        (``DigestPost.model_dump(mode="json")``), validated as the digest will validate it."""
        if not isinstance(state, Mapping):
            state = dict(zip(cls._fields, state, strict=False))
        post = DigestPost.model_validate(state)
        return cls(**{name: getattr(post, name) for name in cls._fields})


Rank = tuple[float, int, int, float, str]


def post_weight(confidence: float | None, engagement: int, reach: int) -> float:
    """``confidence × ln(e + engagement + reach)``; a post of a state without its confidence counts as sure."""
    return (1.0 if confidence is None else confidence) * math.log(math.e + engagement + reach)


def _post_rank(post: TopPost) -> Rank:
    """Highest weight first (:func:`post_weight`), then most engaged, widest reach, earliest, then by id (a
    total order: deterministic)."""
    weight = post_weight(post.confidence, post.engagement, post.reach)
    return (-weight, -post.engagement, -post.reach, post.published_at.timestamp(), post.mention_id)


class MentionFacts:
    """What each open period of a mention counts, read from the mention once for all of them (a day and its
    week); the rank and the top post are made only when a period asks for them, and then once."""

    __slots__ = (
        "_mention",
        "_post",
        "_rank",
        "_representative",
        "_signature",
        "author_bit",
        "confidence",
        "engagement",
        "identity",
        "language",
        "mention_id",
        "pseudonymise",
        "published_at",
        "reach",
        "sentiment",
        "sentiment_index",
        "source",
        "themes",
        "timestamp",
    )

    def __init__(
        self,
        mention: ScoredMention,
        identity: Identity | None,
        themes: set[str],
        *,
        timestamp: float,
        pseudonymise: bool,
    ) -> None:
        """``timestamp``: ``mention.published_at.timestamp()``."""
        self._mention = mention
        self._post: TopPost | None = None
        self._rank: Rank | None = None
        self._representative: clusters.Row | None = None
        self._signature: str | None = None
        #: The author's bit in a story's author bitmap (the same for every period of the mention).
        self.author_bit = clusters.author_bit(identity.key if identity is not None else "")
        self.mention_id = mention.mention_id
        self.identity = identity
        self.themes = themes
        self.pseudonymise = pseudonymise
        self.source: SourceKind = mention.source.kind
        self.language = mention.detected_language
        self.sentiment: Sentiment = mention.sentiment
        self.sentiment_index = _SENTIMENT_INDEX[self.sentiment]
        self.confidence: float = round(getattr(mention.scores, self.sentiment), 4)
        self.published_at = mention.published_at
        self.timestamp = timestamp
        engagement = mention.engagement
        self.engagement = engagement.likes + engagement.shares + engagement.replies
        self.reach = mention.reach

    def rank(self) -> Rank:
        rank = self._rank
        if rank is None:
            weight = post_weight(self.confidence, self.engagement, self.reach)
            rank = self._rank = (-weight, -self.engagement, -self.reach, self.timestamp, self.mention_id)
        return rank

    def signature(self) -> str:
        """Near-duplicate signature of the post's text (:func:`~vigie.digest.clusters.signature`)."""
        signature = self._signature
        if signature is None:
            text = self._mention.text or self._mention.title or ""
            signature = self._signature = clusters.signature(text[:_SIGNATURE_CHARS])
        return signature

    def story_representative(self) -> clusters.Row:
        """The post as a story's representative (:mod:`vigie.digest.stories`): one list for every period of the
        mention (a representative is replaced, never changed)."""
        representative = self._representative
        if representative is None:
            post = self.post()
            representative = self._representative = [
                post.reach,
                post.text,
                post.url,
                post.author,
                post.source,
                post.sentiment,
                self.timestamp,
                self.mention_id,
            ]
        return representative

    def post(self) -> TopPost:
        """The digest's view of the post; identity hashed, handles masked and URL dropped when pseudonymised."""
        post = self._post
        if post is None:
            mention, identity = self._mention, self.identity
            hidden = (
                self.pseudonymise or (identity is not None and identity.pseudonymised) or mention.author.pseudonymised
            )
            text = preview(mention.text or mention.title or "", PREVIEW_CHARS)
            post = self._post = TopPost(
                self.mention_id,
                None if hidden else mention.url,
                mask_handles(text) if hidden else text,
                identity.label if identity else None,
                self.source,
                self.language,
                self.sentiment,
                self.engagement,
                self.reach,
                self.published_at,
                self.confidence,
            )
        return post


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


class AuthorTallies:
    """The authors of a period, column by column: a period keeps one figure per author of each mention's
    territory, nearly one per mention, so no object per author (an :class:`AuthorTally` was 104 bytes, plus
    its reach as an int object; here the figures take 8 bytes each, the source kinds one).
    :meth:`tally` makes the view of one.

    Reach and engagement are arbitrary integers: a column whose value no longer fits 64 bits becomes a list.
    """

    __slots__ = (
        "display_names",
        "engagement",
        "index",
        "labels",
        "mentions",
        "negative",
        "positive",
        "pseudonymised",
        "reach",
        "sources",
    )

    def __init__(self) -> None:
        #: Author key -> position in the columns (the order authors were first counted in).
        self.index: dict[str, int] = {}
        self.labels: list[str] = []
        self.display_names: list[str | None] = []
        self.pseudonymised = bytearray()
        self.mentions = array("q")
        self.positive = array("q")
        self.negative = array("q")
        self.sources = array("B" if len(SOURCE_KINDS) <= 8 else "q")
        self.reach: MutableSequence[int] = array("q")
        self.engagement: MutableSequence[int] = array("q")

    def __len__(self) -> int:
        return len(self.labels)

    def count(self, identity: Identity, sentiment: str, reach: int, engagement: int, source: str) -> None:
        """Count one mention of the author."""
        key = identity.key
        at = self.index.get(key)
        if at is None:  # add() inline (most authors of a period are new to it)
            labels = self.labels
            self.index[key] = len(labels)
            labels.append(identity.label)
            self.display_names.append(identity.display_name)
            self.pseudonymised.append(identity.pseudonymised)
            self.mentions.append(1)
            self.positive.append(sentiment == "positive")
            self.negative.append(sentiment == "negative")
            self.sources.append(SOURCE_FLAGS[source])
            try:
                self.reach.append(reach)
                self.engagement.append(engagement)
            except OverflowError:
                del self.reach[len(labels) - 1 :]
                self._widen()
                self.reach.append(reach)
                self.engagement.append(engagement)
            return
        self.mentions[at] += 1
        if sentiment == "positive":
            self.positive[at] += 1
        elif sentiment == "negative":
            self.negative[at] += 1
        self.sources[at] |= SOURCE_FLAGS[source]
        self._add_reach(at, reach, engagement)

    def add(
        self,
        key: str,
        label: str,
        display_name: str | None,
        pseudonymised: bool,
        figures: tuple[int, int, int, int, int, int],
    ) -> None:
        """A new author with its (mentions, positive, negative, reach, engagement, sources)."""
        self.index[key] = len(self.labels)
        self.labels.append(label)
        self.display_names.append(display_name)
        self.pseudonymised.append(pseudonymised)
        mentions, positive, negative, reach, engagement, sources = figures
        self.mentions.append(mentions)
        self.positive.append(positive)
        self.negative.append(negative)
        self.sources.append(sources)
        try:
            self.reach.append(reach)
            self.engagement.append(engagement)
        except OverflowError:
            del self.reach[len(self.labels) - 1 :]
            self._widen()
            self.reach.append(reach)
            self.engagement.append(engagement)

    def merge(self, other: AuthorTallies) -> None:
        """Add ``other``'s authors: figures summed, reach the largest, source kinds joined; a new author keeps
        its label and display name from ``other``, added after this table's authors in ``other``'s order."""
        index = self.index
        for key, at in other.index.items():
            mine = index.get(key)
            if mine is None:
                self.add(
                    key,
                    other.labels[at],
                    other.display_names[at],
                    bool(other.pseudonymised[at]),
                    (
                        other.mentions[at],
                        other.positive[at],
                        other.negative[at],
                        other.reach[at],
                        other.engagement[at],
                        other.sources[at],
                    ),
                )
                continue
            self.mentions[mine] += other.mentions[at]
            self.positive[mine] += other.positive[at]
            self.negative[mine] += other.negative[at]
            self.sources[mine] |= other.sources[at]
            self._add_reach(mine, other.reach[at], other.engagement[at])

    def _add_reach(self, at: int, reach: int, engagement: int) -> None:
        """The author's largest reach and summed engagement, widened to lists of ints past 64 bits."""
        try:
            if reach > self.reach[at]:
                self.reach[at] = reach
            self.engagement[at] += engagement
        except OverflowError:
            self._widen()
            if reach > self.reach[at]:
                self.reach[at] = reach
            self.engagement[at] = self.engagement[at] + engagement

    def _widen(self) -> None:
        """Reach and engagement as lists of ints (a value beyond 64 bits)."""
        self.reach, self.engagement = list(self.reach), list(self.engagement)

    def tally(self, at: int) -> AuthorTally:
        return AuthorTally(
            self.labels[at],
            self.display_names[at],
            bool(self.pseudonymised[at]),
            self.mentions[at],
            self.positive[at],
            self.negative[at],
            self.reach[at],
            self.engagement[at],
            self.sources[at],
        )

    def to_state(self) -> dict[str, list[Any]]:
        """The columns, authors in the order they were first counted (state version 2: the names of the
        figures once per period, not once per author)."""
        return {
            "key": list(self.index),
            "label": self.labels,
            "display_name": self.display_names,
            "pseudonymised": list(self.pseudonymised),
            "mentions": list(self.mentions),
            "positive": list(self.positive),
            "negative": list(self.negative),
            "reach": list(self.reach),
            "engagement": list(self.engagement),
            "sources": list(self.sources),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], version: int) -> AuthorTallies:
        """Tallies of :meth:`to_state`, or of state version 1 (``{key: AuthorTally fields}``)."""
        tallies = cls()
        if version == 1:
            for key, tally in state.items():
                figures = (
                    tally["mentions"],
                    tally["positive"],
                    tally["negative"],
                    tally["reach"],
                    tally["engagement"],
                    tally["sources"],
                )
                tallies.add(key, tally["label"], tally["display_name"], tally["pseudonymised"], figures)
            return tallies
        rows = zip(
            state["key"],
            state["label"],
            state["display_name"],
            state["pseudonymised"],
            zip(
                state["mentions"],
                state["positive"],
                state["negative"],
                state["reach"],
                state["engagement"],
                state["sources"],
                strict=True,
            ),
            strict=True,
        )
        for key, label, display_name, pseudonymised, figures in rows:
            tallies.add(key, label, display_name, bool(pseudonymised), figures)
        return tallies


@dataclass
class PeriodAggregate:
    """Counts of one territory over one period; ``observe`` is idempotent per mention id."""

    territory_id: str
    period: Period
    total: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    sentiment: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SENTIMENTS, 0))
    #: Per timeline bucket (:meth:`Period.bucket_starts`), its negative, neutral and positive counts, one flat
    #: list (``3 * bucket + sentiment index``; see :meth:`timeline_rows`): no list per bucket.
    timeline: list[int] = field(default_factory=list)
    themes: dict[str, int] = field(default_factory=dict)
    top_positive: list[TopPost] = field(default_factory=list)
    top_negative: list[TopPost] = field(default_factory=list)
    authors: AuthorTallies = field(default_factory=AuthorTallies)
    seen: set[int] = field(default_factory=set)
    stories: StoryTable = field(default_factory=lambda: StoryTable(STORY_CAPACITY))
    #: A week built from its days (:meth:`absorb` of each day at its close; only its days' late mentions are
    #: observed in it), not fed every mention; see :mod:`vigie.digest.accumulator`.
    fed_by_days: bool = False

    def __post_init__(self) -> None:
        if not self.timeline:
            self.timeline = [0] * (3 * len(self.period.bucket_starts()))
        # The rank and signature of each top post, aligned with the lists (kept sorted by rank): not recomputed
        # per offer.
        self._positive_ranks = [_post_rank(post) for post in self.top_positive]
        self._negative_ranks = [_post_rank(post) for post in self.top_negative]
        self._positive_signatures = [post.signature() for post in self.top_positive]
        self._negative_signatures = [post.signature() for post in self.top_negative]

    def observe(
        self,
        mention: MentionFacts,
        bucket: int,
        *,
        top_posts: int,
        min_confidence: float = 0.0,
        fingerprint: int | None = None,
        deduplicate: bool = True,
    ) -> bool:
        """Count a mention of this period (``bucket``: its timeline bucket, see :meth:`Period.bucket_index`);
        False if it was already counted. ``fingerprint`` is :func:`mention_fingerprint` of its id, if the
        caller has it already."""
        if deduplicate:
            if fingerprint is None:
                fingerprint = mention_fingerprint(mention.mention_id)
            if fingerprint in self.seen:
                return False
            self.seen.add(fingerprint)
        self.total += 1
        by_source = self.by_source
        source = mention.source
        by_source[source] = by_source.get(source, 0) + 1
        by_language = self.by_language
        language = mention.language
        by_language[language] = by_language.get(language, 0) + 1
        label = mention.sentiment
        self.sentiment[label] += 1
        timeline = self.timeline
        last = len(timeline) // 3 - 1
        timeline[3 * (0 if bucket < 0 else last if bucket > last else bucket) + mention.sentiment_index] += 1
        themes = self.themes
        for key in mention.themes:
            themes[key] = themes.get(key, 0) + 1
        if mention.confidence >= min_confidence:
            if label == "positive":
                self._offer_post(mention, self.top_positive, self._positive_ranks, self._positive_signatures, top_posts)
            elif label == "negative":
                self._offer_post(mention, self.top_negative, self._negative_ranks, self._negative_signatures, top_posts)
        identity = mention.identity
        if identity is not None:
            self.authors.count(identity, label, mention.reach, mention.engagement, source)
        self.stories.add(
            mention.signature(),
            mention.author_bit,
            mention.timestamp,
            mention.reach,
            mention.story_representative,
        )
        return True

    @staticmethod
    def _offer_post(
        mention: MentionFacts, posts: list[TopPost], ranks: list[Rank], signatures: list[str], limit: int
    ) -> None:
        if limit <= 0:
            return
        rank = mention.rank()
        if len(posts) >= limit and rank >= ranks[-1]:
            return
        signature = mention.signature()
        if signature in signatures:
            # One post per near-duplicate cluster: the better ranked copy stays.
            copy = signatures.index(signature)
            if rank >= ranks[copy]:
                return
            del ranks[copy], posts[copy], signatures[copy]
        # Where appending and a stable sort by rank would put it (after equal ranks), then cut to ``limit``.
        at = bisect_right(ranks, rank)
        ranks.insert(at, rank)
        posts.insert(at, mention.post())
        signatures.insert(at, signature)
        del ranks[limit:]
        del posts[limit:]
        del signatures[limit:]

    def absorb(self, day: PeriodAggregate, bucket: int, *, top_posts: int) -> None:
        """Add the figures of a closed ``day`` of this week (``bucket``: the day's timeline bucket here, see
        :meth:`Period.bucket_index`). Counts, timelines, themes and author figures add up (an author's reach is
        its largest); the top posts are the best ranked of both lists, one per story, as
        :meth:`observe` would have kept of the same posts; the story tables merge by signature
        (:meth:`StoryTable.merge`); the ids seen join this period's."""
        self.total += day.total
        for mine, theirs in ((self.by_source, day.by_source), (self.by_language, day.by_language)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        sentiment = self.sentiment
        last = len(self.timeline) // 3 - 1
        at = 3 * (0 if bucket < 0 else last if bucket > last else bucket)
        for index, label in enumerate(SENTIMENTS):
            count = day.sentiment.get(label, 0)
            sentiment[label] = sentiment.get(label, 0) + count
            self.timeline[at + index] += count
        themes = self.themes
        for key, count in day.themes.items():
            themes[key] = themes.get(key, 0) + count
        self._merge_posts(day, "positive", top_posts)
        self._merge_posts(day, "negative", top_posts)
        self.authors.merge(day.authors)
        self.seen |= day.seen
        self.stories = self.stories.merge(day.stories)

    def _merge_posts(self, day: PeriodAggregate, label: Sentiment, limit: int) -> None:
        """This period's top posts of ``label`` and the day's, one per signature (the best ranked), best first,
        cut to ``limit``: the list :meth:`_offer_post` keeps is the ``limit`` best of the best copy of each
        signature offered, whatever their order, so merging two such lists gives that of all their offers."""
        if label == "positive":
            candidates = [
                *zip(self._positive_ranks, self.top_positive, self._positive_signatures, strict=True),
                *zip(day._positive_ranks, day.top_positive, day._positive_signatures, strict=True),
            ]
        else:
            candidates = [
                *zip(self._negative_ranks, self.top_negative, self._negative_signatures, strict=True),
                *zip(day._negative_ranks, day.top_negative, day._negative_signatures, strict=True),
            ]
        if not candidates:
            return
        candidates.sort(key=lambda candidate: candidate[0])
        kept: list[tuple[Rank, TopPost, str]] = []
        signatures: set[str] = set()
        for candidate in candidates:
            if len(kept) >= limit:
                break
            if candidate[2] not in signatures:
                signatures.add(candidate[2])
                kept.append(candidate)
        ranks = [rank for rank, _, _ in kept]
        posts = [post for _, post, _ in kept]
        keys = [signature for _, _, signature in kept]
        if label == "positive":
            self._positive_ranks, self.top_positive, self._positive_signatures = ranks, posts, keys
        else:
            self._negative_ranks, self.top_negative, self._negative_signatures = ranks, posts, keys

    def top_posts(self, label: Sentiment) -> tuple[DigestPost, ...]:
        """The period's top posts of ``label`` (positive or negative), each with its number of copies."""
        posts, signatures = (
            (self.top_positive, self._positive_signatures)
            if label == "positive"
            else (self.top_negative, self._negative_signatures)
        )
        return tuple(
            post.digest_post(self.stories.size_of(signature)) for post, signature in zip(posts, signatures, strict=True)
        )

    def timeline_rows(self) -> list[list[int]]:
        """``[negative, neutral, positive]`` per timeline bucket."""
        flat = self.timeline
        return [flat[index : index + 3] for index in range(0, len(flat), 3)]

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
            "top_positive": [post.to_state() for post in self.top_positive],
            "top_negative": [post.to_state() for post in self.top_negative],
            "authors": self.authors.to_state(),
            "seen": sorted(self.seen),
            "stories": self.stories.to_state(),
            "fed_by_days": self.fed_by_days,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], version: int) -> PeriodAggregate:
        """An aggregate of :meth:`to_state`, or of state versions 1 (timeline as one list per bucket, top
        posts and author tallies as objects) and 2 (every period fed every mention: ``fed_by_days`` false)."""
        spec = state["period"]
        period = period_starting(spec["kind"], datetime.fromisoformat(spec["day"]).date(), spec["tz"])
        return cls(
            territory_id=state["territory_id"],
            period=period,
            total=state["total"],
            by_source=dict(state["by_source"]),
            by_language=dict(state["by_language"]),
            sentiment=dict(state["sentiment"]),
            timeline=list(state["timeline"]) if version > 1 else [n for bucket in state["timeline"] for n in bucket],
            themes=dict(state["themes"]),
            top_positive=[TopPost.from_state(post) for post in state["top_positive"]],
            top_negative=[TopPost.from_state(post) for post in state["top_negative"]],
            authors=AuthorTallies.from_state(state["authors"], version),
            seen=set(state["seen"]),
            stories=stories_from_state(state, STORY_CAPACITY),
            fed_by_days=bool(state.get("fed_by_days", False)),
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
