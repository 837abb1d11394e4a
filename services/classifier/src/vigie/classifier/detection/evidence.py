"""What a responder needs with every alert event: the series, the posts, the terms, the channels.

Kept in the territory state under ``"ev"``, bounded:

* ``top``: the negative mentions with the largest reach, at most ``top_mentions``, text cut to a preview,
  near-duplicate texts kept once (a copy-paste campaign shows one representative); outside an incident only the
  mentions of the long test window are kept, so the raising event shows the posts that made it;
* ``base``/``inc``: term tables of every mention outside incidents (the baseline period) and of negative
  mentions (recent ones before an incident, then the whole incident), compared by lift;
* ``src``/``lang``: negative mentions by source kind and language, same periods as ``inc``;
* ``cl``: clusters of near-duplicate negative or neutral posts (:mod:`.clusters`: a copy-paste campaign is
  often worded without negative words), same periods as ``top``;
* ``first``: the earliest negative post of the incident (outside an incident: of the recent window);
* ``seen``: the authors of the baseline period, in two generations of a 4096-bit Bloom filter (128 words of
  32 bits), the older
  generation dropped when the newer has taken 500 authors: "new authors" are those it does not know;
* ``neg``: ``[negative posts, of which by new authors]``, same periods as ``inc``.

The shape is :class:`~vigie.classifier.detection.state.EvidenceState`; a state saved by an older version gets the
keys added since when it is loaded (:func:`upgrade`, called by
:func:`~vigie.classifier.detection.state_codec.load_state`).
"""

from __future__ import annotations

import functools
import hashlib
from bisect import insort
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from vigie.classifier.detection import ring, terms
from vigie.classifier.detection.settings import DetectorSettings
from vigie.classifier.detection.state import EvidenceRow, EvidenceState, TerritoryState
from vigie.classifier.detection.surge import SurgeDetector
from vigie.digest import clusters
from vigie.digest.preview import preview
from vigie.schemas import (
    CountBy,
    Evidence,
    EvidenceMention,
    PostCluster,
    ScoredMention,
    SeriesPoint,
    TermWeight,
)

_BASELINE_HORIZON = 4000.0
_RECENT_HORIZON = 60.0
_INCIDENT_HORIZON = 100_000.0
_MAX_LANGUAGES = 32
_MAX_CLUSTERS = 5
_BLOOM_BITS = 4096
_BLOOM_GENERATION = 500

# Positions in a stored top-mention row.
_REACH, _EPOCH, _ID, _URL, _TEXT, _HANDLE, _SOURCE, _LANGUAGE, _SENTIMENT, _PUBLISHED, _SIGNATURE = range(11)


_epoch_of = itemgetter(_EPOCH)
_last_seen_of = itemgetter(clusters.LAST)


def new_evidence() -> EvidenceState:
    return {
        "top": [],
        "base": terms.new_table(),
        "inc": terms.new_table(),
        "src": {},
        "lang": {},
        "cl": [],
        "first": None,
        "seen": _new_seen(),
        "neg": [0.0, 0.0],
    }


def _new_seen() -> list[Any]:
    return [[0] * (_BLOOM_BITS // 32), [0] * (_BLOOM_BITS // 32), 0]


def upgrade(evidence: dict[str, Any]) -> None:
    """Bring the evidence of a state written by an older version to the current shape, as its first use did:
    the keys added after the first release (``cl``, ``first``, ``seen``, ``neg``) filled in empty, a ``seen``
    author filter of an earlier shape started afresh, and the near-duplicate signature appended to top-mention
    rows stored without it (computed from their text)."""
    evidence.setdefault("cl", [])
    evidence.setdefault("first", None)
    evidence.setdefault("neg", [0.0, 0.0])
    seen = evidence.get("seen")
    if not isinstance(seen, list) or len(seen) != 3 or not isinstance(seen[0], list):
        evidence["seen"] = _new_seen()
    for row in evidence["top"]:
        if len(row) == _SIGNATURE:
            row.append(clusters.signature(row[_TEXT]))


@functools.lru_cache(maxsize=8192)
def _bloom_bits(author: str) -> tuple[int, int, int]:
    """The author's three bits in the Bloom filter of ``seen`` (cached: a territory's authors come back)."""
    digest = hashlib.blake2b(author.encode("utf-8", "surrogatepass"), digest_size=12).digest()
    return tuple(int.from_bytes(digest[4 * i : 4 * i + 4], "big") % _BLOOM_BITS for i in range(3))  # type: ignore[return-value]


def _has(words: list[int], bits: tuple[int, int, int]) -> bool:
    first, second, third = bits
    return bool(
        words[first >> 5] >> (first & 31) & 1
        and words[second >> 5] >> (second & 31) & 1
        and words[third >> 5] >> (third & 31) & 1
    )


def _remember_new_author(seen: list[Any], bits: tuple[int, int, int]) -> None:
    """Remember an author the current generation does not know: a new generation once the current one has taken
    ``_BLOOM_GENERATION`` authors (the previous one dropped), then the author's bits."""
    if seen[2] >= _BLOOM_GENERATION:
        seen[1], seen[0], seen[2] = seen[0], [0] * (_BLOOM_BITS // 32), 0
    for bit in bits:
        seen[0][bit >> 5] |= 1 << (bit & 31)
    seen[2] += 1


def record(state: TerritoryState, mention: ScoredMention, negative: bool, settings: DetectorSettings) -> None:
    """Account one (non-late) mention in the evidence of its territory."""
    evidence = state["ev"]
    in_incident = state["inc"] is not None
    found, hashtags = terms.tokens(f"{mention.title or ''} {mention.text}")
    if hashtags:
        found.update("#" + tag for tag in hashtags)
    author = mention.author.id or mention.author.handle or mention.mention_id
    author_bits = _bloom_bits(author)
    seen = evidence["seen"]
    in_current = _has(seen[0], author_bits)
    known = in_current or _has(seen[1], author_bits)
    if not in_incident:
        terms.count(evidence["base"], found, settings.baseline_terms_kept, _BASELINE_HORIZON)
        if not in_current:
            _remember_new_author(seen, author_bits)
    if not negative and mention.sentiment == "positive":
        return
    row = _row(mention, settings)
    clusters.add(evidence["cl"], row[_SIGNATURE], author, row[_EPOCH], row, mention.reach)
    if not negative:
        return
    horizon = _INCIDENT_HORIZON if in_incident else _RECENT_HORIZON
    terms.count(evidence["inc"], found, settings.incident_terms_kept, horizon)
    _count_by(evidence["src"], mention.source.kind, horizon, 16)
    _count_by(evidence["lang"], mention.detected_language, horizon, _MAX_LANGUAGES)
    negatives = evidence["neg"]
    negatives[0] += 1.0
    negatives[1] += 0.0 if known else 1.0
    if negatives[0] > horizon:
        negatives[0] /= 2.0
        negatives[1] /= 2.0
    first = evidence["first"]
    if first is None or _rank_by_time(row) < _rank_by_time(first):
        evidence["first"] = row
    _keep_top(state, mention, settings, row)


def _count_by(counts: dict[str, float], key: str, horizon: float, capacity: int) -> None:
    if key not in counts and len(counts) >= capacity:
        return
    counts[key] = counts.get(key, 0.0) + 1.0
    if sum(counts.values()) > horizon:
        for name in list(counts):
            counts[name] /= 2.0


def _row(mention: ScoredMention, settings: DetectorSettings) -> EvidenceRow:
    full_text = mention.text or mention.title or ""
    text = preview(full_text, settings.preview_chars)
    published = mention.published_at
    return [
        mention.reach,
        published.timestamp(),
        mention.mention_id,
        mention.url,
        text,
        mention.author.handle,
        mention.source.kind,
        mention.detected_language,
        mention.sentiment,
        (published if published.tzinfo is UTC else published.astimezone(UTC)).isoformat(),
        clusters.signature(full_text),
    ]


def _rank_by_time(row: EvidenceRow) -> tuple[float, str]:
    return (row[_EPOCH], row[_ID])


def _keep_top(state: TerritoryState, mention: ScoredMention, settings: DetectorSettings, row: EvidenceRow) -> None:
    top = state["ev"]["top"]
    # A full list (sorted by rank) whose last row ranks no lower than this mention stays as it is: the mention
    # would be sorted last and cut, or lose to its same-text row (which ranks no lower than the last).
    if top and len(top) == settings.top_mentions and _rank(row) >= _rank(top[-1]):
        return
    key = row[_SIGNATURE]
    for same_text, kept in enumerate(top):
        if kept[_SIGNATURE] == key:
            if _rank(row) >= _rank(kept):
                return
            del top[same_text]
            break
    insort(top, row, key=_rank)  # the list is sorted by rank: where appending and a stable sort put it
    del top[settings.top_mentions :]


def _rank(row: EvidenceRow) -> tuple[int, float, str]:
    return (-row[_REACH], row[_EPOCH], row[_ID])


def prune(state: TerritoryState, settings: DetectorSettings) -> None:
    """Outside an incident, forget top mentions, clusters not seen and a first post older than the long test
    window (a cluster seen again keeps its older copies in its size)."""
    clock = state["clock"]
    if state["inc"] is not None or clock is None:
        return
    horizon = clock - settings.longest_window * settings.bucket_seconds
    evidence = state["ev"]
    top = evidence["top"]
    if top and min(map(_epoch_of, top)) < horizon:
        evidence["top"] = [row for row in top if row[_EPOCH] >= horizon]
    groups = evidence["cl"]
    if groups and min(map(_last_seen_of, groups)) < horizon:
        evidence["cl"] = clusters.forget_before(groups, horizon)
    first = evidence["first"]
    if first is not None and first[_EPOCH] < horizon:
        evidence["first"] = None


def max_recent_reach(state: TerritoryState, settings: DetectorSettings) -> int:
    clock = state["clock"]
    assert clock is not None  # the caller counted a mention: the clock is set
    horizon = clock - settings.longest_window * settings.bucket_seconds
    reach: int = max((row[_REACH] for row in state["ev"]["top"] if row[_EPOCH] >= horizon), default=0)
    return reach


def forget_incident(state: TerritoryState) -> None:
    """After a resolution, the next incident starts from fresh incident evidence."""
    evidence = state["ev"]
    evidence["inc"] = terms.new_table()
    evidence["src"] = {}
    evidence["lang"] = {}
    evidence["top"] = []
    evidence["cl"] = []
    evidence["first"] = None
    evidence["neg"] = [0.0, 0.0]


def build(state: TerritoryState, detector: SurgeDetector) -> Evidence:
    """The evidence of the territory's current incident (or of the window that raised it)."""
    settings = detector.settings
    seconds = settings.bucket_seconds
    series = [
        SeriesPoint(
            start=datetime.fromtimestamp(bucket * seconds, UTC), observed=negative, expected=expected, total=total
        )
        for bucket, negative, total, expected in ring.day(state["ring"])[-settings.buckets_per_day :]
    ]
    evidence = state["ev"]
    key = terms.keyness(evidence["inc"], evidence["base"], limit=4 * settings.top_terms)
    words = [TermWeight(term=t, count=c, lift=lift) for t, c, lift in key if not t.startswith("#")]
    tags = [TermWeight(term=t[1:], count=c, lift=lift) for t, c, lift in key if t.startswith("#")]
    negatives = evidence["neg"]
    first = evidence["first"]
    return Evidence(
        series=tuple(series),
        top_mentions=tuple(_mention(row) for row in evidence["top"]),
        terms=tuple(words[: settings.top_terms]),
        hashtags=tuple(tags[: settings.top_terms]),
        sources=_count_rows(evidence["src"]),
        languages=_count_rows(evidence["lang"]),
        clusters=tuple(_cluster(row) for row in clusters.largest(evidence["cl"], _MAX_CLUSTERS)[:10]),
        first_mention=_mention(first) if first is not None else None,
        negative_mentions=round(negatives[0]) if negatives[0] >= 1 else None,
        new_author_share=round(negatives[1] / negatives[0], 3) if negatives[0] >= 1 else None,
    )


def _mention(row: EvidenceRow) -> EvidenceMention:
    return EvidenceMention(
        mention_id=row[_ID],
        url=row[_URL],
        text=row[_TEXT],
        author_handle=row[_HANDLE],
        reach=row[_REACH],
        source=row[_SOURCE],
        language=row[_LANGUAGE],
        sentiment=row[_SENTIMENT],
        published_at=datetime.fromisoformat(row[_PUBLISHED]),
    )


def _cluster(row: clusters.Row) -> PostCluster:
    representative = row[clusters.REPRESENTATIVE]
    return PostCluster(
        text=representative[_TEXT],
        url=representative[_URL],
        author_handle=representative[_HANDLE],
        source=representative[_SOURCE],
        reach=representative[_REACH],
        size=row[clusters.SIZE],
        authors=clusters.author_count(row),
        campaign=row[clusters.CAMPAIGN],
        first_published_at=datetime.fromtimestamp(row[clusters.FIRST], UTC),
    )


def _count_rows(counts: dict[str, float]) -> tuple[CountBy, ...]:
    rows = sorted(((key, round(value)) for key, value in counts.items()), key=lambda kv: (-kv[1], kv[0]))
    return tuple(CountBy(key=key, count=value) for key, value in rows if value > 0)
