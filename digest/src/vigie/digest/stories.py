"""The stories of a period: its posts grouped into near-duplicate clusters, copy-paste campaigns flagged
(pure, JSON-serialisable).

The clusters, their signature and the campaign rule are those of an incident's evidence
(:mod:`vigie.digest.clusters`); here a cluster is found by its signature in a dictionary (a period sees
far more posts than an incident window), and the table keeps at most ``capacity`` clusters: a new
signature of a full table replaces the oldest cluster of one post, or the smallest cluster when none has
one post (ties: least recently seen), so singletons rotate and a growing story stays.

A representative row is ``[reach, text preview, url, author label, source kind, sentiment, epoch, mention
id]``: the most reached post of the cluster (ties: the earliest, then the smallest id, so that the table
does not depend on the order posts arrive in).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from vigie.digest import clusters as cl
from vigie.schemas import DigestStory

#: Representative row positions.
REACH, TEXT, URL, AUTHOR, SOURCE, SENTIMENT, EPOCH, MENTION_ID = range(8)
#: Stories a digest can carry (the contract's bound).
MAX_STORIES = 10


class StoryTable:
    """Bounded near-duplicate clusters of one period (see the module's docstring)."""

    __slots__ = ("capacity", "rows", "singletons")

    def __init__(self, capacity: int, rows: Sequence[cl.Row] = ()) -> None:
        self.capacity = capacity
        #: Signature -> cluster row (:mod:`vigie.digest.clusters` layout), in insertion order.
        self.rows: dict[str, cl.Row] = {row[cl.SIGNATURE]: row for row in rows}
        #: Signatures of the clusters of one post, oldest first (a dict as an ordered set).
        self.singletons: dict[str, None] = {key: None for key, row in self.rows.items() if row[cl.SIZE] == 1}

    def add(self, key: str, author: str, epoch: float, reach: int, representative: Callable[[], cl.Row]) -> None:
        """Count one post of signature ``key`` by ``author`` at ``epoch`` whose reach is ``reach``
        (``representative`` makes its representative row, called only when it may become the cluster's); no-op
        for an empty signature."""
        if not key:
            return
        row = self.rows.get(key)
        if row is None:
            if len(self.rows) >= self.capacity:
                self._evict()
            made = representative()
            row = self.rows[key] = cl.new_row(key, epoch, made)
            self.singletons[key] = None
            cl.count_post(row, author, epoch, made, reach)
            return
        if row[cl.SIZE] == 1:
            del self.singletons[key]
        current = row[cl.REPRESENTATIVE]
        cl.count_post(row, author, epoch, current, -1)
        if reach >= current[REACH]:
            made = representative()
            if (-made[REACH], made[EPOCH], made[MENTION_ID]) < (-current[REACH], current[EPOCH], current[MENTION_ID]):
                row[cl.REPRESENTATIVE] = made

    def _evict(self) -> None:
        if self.singletons:
            oldest = next(iter(self.singletons))
            del self.singletons[oldest]
            del self.rows[oldest]
            return
        weakest = min(self.rows.values(), key=lambda row: (row[cl.SIZE], row[cl.LAST]))
        del self.rows[weakest[cl.SIGNATURE]]

    def size_of(self, key: str) -> int:
        """Posts counted in the cluster of signature ``key`` (1 when it is not, or no longer, in the table)."""
        row = self.rows.get(key)
        return max(1, row[cl.SIZE]) if row is not None else 1

    def stories(self, limit: int) -> tuple[DigestStory, ...]:
        """The ``limit`` largest clusters of more than one post, then the campaigns among the others."""
        return tuple(_story(row) for row in cl.largest(list(self.rows.values()), limit)[:MAX_STORIES])

    def to_state(self) -> list[cl.Row]:
        return list(self.rows.values())

    @classmethod
    def from_state(cls, state: Sequence[Any], capacity: int) -> StoryTable:
        return cls(capacity, [list(row) for row in state])


def _story(row: cl.Row) -> DigestStory:
    representative: Sequence[Any] = row[cl.REPRESENTATIVE]
    return DigestStory(
        text=representative[TEXT],
        url=representative[URL],
        author=representative[AUTHOR],
        source=representative[SOURCE],
        sentiment=representative[SENTIMENT],
        reach=representative[REACH],
        size=row[cl.SIZE],
        authors=min(row[cl.SIZE], cl.distinct_authors(row[cl.AUTHORS])),
        campaign=row[cl.CAMPAIGN],
        first_published_at=datetime.fromtimestamp(row[cl.FIRST], UTC),
    )


def stories_from_state(state: Mapping[str, Any], capacity: int) -> StoryTable:
    """The table of an aggregate's state; empty for a state written before stories were kept."""
    return StoryTable.from_state(state.get("stories", ()), capacity)
