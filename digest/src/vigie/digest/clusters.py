"""Near-duplicate posts grouped into bounded clusters, copy-paste campaigns flagged, authors counted (pure).

Two posts are near-duplicates when their first words match once case, accents' case, links, handles, the ``#``
of hashtags and punctuation are set aside: a copy-paste campaign and a post quoted with a different link
fall together, a post that merely shares a topic does not.

A cluster row is JSON-serialisable and bounded: ``[signature, size, author_bitmap (32-bit words), first_epoch,
last_epoch, recent_epochs, campaign, representative]``. Distinct authors are counted by linear counting over
a 256-bit bitmap (exact in practice below a few dozen, within a few percent up to several hundred).
A cluster becomes a *campaign* (for good) when :data:`CAMPAIGN_COPIES` (six) of its copies arrive within
:data:`CAMPAIGN_SECONDS` and it has at least as many distinct authors.

The list keeps at most :data:`CAPACITY` clusters: a new signature of a full list replaces the smallest cluster,
ties by least recently seen, so singletons rotate and a growing story stays.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from bisect import insort
from operator import itemgetter
from typing import Any

CAPACITY = 48
CAMPAIGN_COPIES = 6
CAMPAIGN_SECONDS = 1200.0
_SIGNATURE_WORDS = 14
_BITMAP_BITS = 256
_NOISE = re.compile(r"https?://\S+|(?<!\w)@[\w.@-]+")
_WORD = re.compile(r"[^\W_]+")

# Positions in a cluster row.
SIGNATURE, SIZE, AUTHORS, FIRST, LAST, RECENT, CAMPAIGN, REPRESENTATIVE = range(8)

Row = list[Any]

_signature_of = itemgetter(SIGNATURE)
_size_and_last_of = itemgetter(SIZE, LAST)


#: The text :func:`signature` last signed and its signature: the classifier's evidence and the digest sign the
#: same text of a mention (the very same string object) one after the other. Recognised by identity only, so
#: that it saves that second call and nothing else (equal texts of other mentions are signed again).
_last_signed: tuple[str | None, str] = (None, "")


def signature(text: str) -> str:
    """The near-duplicate key of a post: its first words, casefolded, links and handles removed."""
    global _last_signed
    last, signed = _last_signed
    if text is last:
        return signed
    signed = " ".join(_WORD.findall(_NOISE.sub(" ", text.casefold()))[:_SIGNATURE_WORDS])
    _last_signed = (text, signed)
    return signed


@functools.lru_cache(maxsize=8192)
def author_bit(author: str) -> int:
    """The author's bit in a cluster's author bitmap (cached: a stream's authors come back, and a digest and an
    incident's evidence both ask for each mention's)."""
    digest = hashlib.blake2b(author.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big") % _BITMAP_BITS


def distinct_authors(bitmap: list[int]) -> int:
    """Linear-counting estimate of the distinct authors whose bits are set in ``bitmap`` (32-bit words)."""
    ones = sum(word.bit_count() for word in bitmap)
    zeros = _BITMAP_BITS - ones
    if zeros == 0:
        return round(_BITMAP_BITS * math.log(_BITMAP_BITS))
    return round(-_BITMAP_BITS * math.log(zeros / _BITMAP_BITS))


def author_count(row: Row) -> int:
    """The distinct authors of a cluster, as reported: the estimate, never more than the cluster's copies."""
    size: int = row[SIZE]
    return min(size, distinct_authors(row[AUTHORS]))


def new_row(key: str, epoch: float, representative: Row) -> Row:
    """An empty cluster of signature ``key`` (count its first post with :func:`count_post`)."""
    return [key, 0, [0] * (_BITMAP_BITS // 32), epoch, epoch, [], False, representative]


def first_post_row(key: str, bit: int, epoch: float, representative: Row) -> Row:
    """The cluster of signature ``key`` with its first post counted (what :func:`new_row` then
    :func:`count_post` make, in one step)."""
    authors = [0] * (_BITMAP_BITS // 32)
    authors[bit >> 5] = 1 << (bit & 31)
    return [key, 1, authors, epoch, epoch, [epoch], CAMPAIGN_COPIES <= 1, representative]


def count_post(row: Row, bit: int, epoch: float, representative: Row, reach_of: int) -> None:
    """Count one post of the cluster ``row`` by the author of :func:`author_bit` ``bit``: size, author bit,
    first and last times, the campaign flag; ``representative`` (whose reach is ``reach_of``) replaces the
    cluster's when it reaches more people."""
    row[SIZE] += 1
    row[AUTHORS][bit >> 5] |= 1 << (bit & 31)
    row[FIRST] = min(row[FIRST], epoch)
    row[LAST] = max(row[LAST], epoch)
    recent: list[float] = row[RECENT]
    insort(recent, epoch)  # kept sorted: what appending and sorting give
    if len(recent) > CAMPAIGN_COPIES:
        del recent[: len(recent) - CAMPAIGN_COPIES]
    if (
        not row[CAMPAIGN]
        and len(recent) == CAMPAIGN_COPIES
        and recent[-1] - recent[0] <= CAMPAIGN_SECONDS
        and distinct_authors(row[AUTHORS]) >= CAMPAIGN_COPIES
    ):
        row[CAMPAIGN] = True
    if reach_of > row[REPRESENTATIVE][0]:
        row[REPRESENTATIVE] = representative


def add(clusters: list[Row], key: str, author: str, epoch: float, representative: Row, reach_of: int) -> None:
    """Count one post of signature ``key``; ``representative`` (a top-mention row whose reach is
    ``reach_of``) replaces the cluster's representative when it reaches more people."""
    if not key:
        return
    signatures = list(map(_signature_of, clusters))
    if key in signatures:
        row = clusters[signatures.index(key)]
    else:
        if len(clusters) >= CAPACITY:
            # The smallest, least recently seen cluster; the first of equals.
            weights = list(map(_size_and_last_of, clusters))
            del clusters[weights.index(min(weights))]
        row = new_row(key, epoch, representative)
        clusters.append(row)
    count_post(row, author_bit(author), epoch, representative, reach_of)


def largest(clusters: list[Row], limit: int) -> list[Row]:
    """The ``limit`` largest clusters of more than one post, then the campaigns among the others, largest
    first (ties: earliest first): a campaign is always reported, however small."""
    rows = [row for row in clusters if row[SIZE] > 1]
    rows.sort(key=lambda row: (-row[SIZE], row[FIRST], row[SIGNATURE]))
    return rows[:limit] + [row for row in rows[limit:] if row[CAMPAIGN]]


def forget_before(clusters: list[Row], horizon: float) -> list[Row]:
    """The clusters seen since ``horizon`` (outside an incident, only the recent window counts)."""
    return [row for row in clusters if row[LAST] >= horizon]
