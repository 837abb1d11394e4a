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

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from vigie.digest import clusters
from vigie.schemas import DigestStory

#: Representative row positions.
REACH, TEXT, URL, AUTHOR, SOURCE, SENTIMENT, EPOCH, MENTION_ID = range(8)
#: Stories a digest can carry (the contract's bound).
MAX_STORIES = 10


class StoryTable:
    """Bounded near-duplicate clusters of one period (see the module's docstring). A cluster of one post is
    kept as ``(author bit, epoch, representative)`` until a second copy comes: most posts are never copied."""

    __slots__ = ("capacity", "keeper", "rows", "singletons")

    def __init__(self, capacity: int, rows: Sequence[clusters.Row] = ()) -> None:
        self.capacity = capacity
        #: Signature -> cluster row (:mod:`vigie.digest.clusters` layout) of the clusters of two posts or more.
        self.rows: dict[str, clusters.Row] = {}
        #: Signature -> (author bit, epoch, representative) of the clusters of one post, oldest first (an
        #: OrderedDict: taking the first key of a plain dict after many deletions at its front walks over their
        #: empty slots).
        self.singletons: OrderedDict[str, tuple[int, float, clusters.Row]] = OrderedDict()
        #: The table that takes an evicted cluster whose story it has already (a day's week: see :meth:`_evict`);
        #: None: none (not part of the state: its owner sets it again after a restore).
        self.keeper: Callable[[], StoryTable | None] | None = None
        for row in rows:
            if row[clusters.SIZE] == 1:
                bit = next(i * 32 + word.bit_length() - 1 for i, word in enumerate(row[clusters.AUTHORS]) if word)
                self.singletons[row[clusters.SIGNATURE]] = (bit, row[clusters.FIRST], row[clusters.REPRESENTATIVE])
            else:
                self.rows[row[clusters.SIGNATURE]] = row

    def add(
        self, key: str, author_bit: int, epoch: float, reach: int, representative: Callable[[], clusters.Row]
    ) -> None:
        """Count one post of signature ``key`` by the author of ``author_bit`` (:func:`~vigie.digest.clusters.
        author_bit`) at ``epoch`` whose reach is ``reach`` (``representative`` makes its representative row,
        called only when it may become the cluster's); no-op for an empty signature."""
        if not key:
            return
        row = self.rows.get(key)
        if row is None:
            first = self.singletons.pop(key, None)
            if first is None:
                if len(self.rows) + len(self.singletons) >= self.capacity:
                    self._evict()
                self.singletons[key] = (author_bit, epoch, representative())
                return
            first_bit, first_epoch, first_representative = first
            row = self.rows[key] = clusters.first_post_row(key, first_bit, first_epoch, first_representative)
        current = row[clusters.REPRESENTATIVE]
        clusters.count_post(row, author_bit, epoch, current, -1)
        if reach >= current[REACH]:
            made = representative()
            if (-made[REACH], made[EPOCH], made[MENTION_ID]) < (-current[REACH], current[EPOCH], current[MENTION_ID]):
                row[clusters.REPRESENTATIVE] = made

    def _evict(self) -> None:
        """Drop the oldest cluster of one post, or else the smallest, least recently seen; the :attr:`keeper`
        table takes it when it has a cluster of two posts or more of that signature (a story of the week's
        earlier days keeps the copies its current day could not)."""
        if self.singletons:
            key, first = self.singletons.popitem(last=False)
            if self.keeper is not None:
                keeper = self.keeper()
                if keeper is not None and key in keeper.rows:
                    keeper.rows[key] = merge_rows(keeper.rows[key], clusters.first_post_row(key, *first))
            return
        weakest = min(self.rows.values(), key=lambda row: (row[clusters.SIZE], row[clusters.LAST]))
        key = weakest[clusters.SIGNATURE]
        del self.rows[key]
        if self.keeper is not None:
            keeper = self.keeper()
            if keeper is not None and key in keeper.rows:
                keeper.rows[key] = merge_rows(keeper.rows[key], weakest)

    def merge(self, other: StoryTable) -> StoryTable:
        """A table of both tables' clusters (neither is changed), for a week made of its days: the clusters of
        one signature become one (:func:`merge_rows`); when there are more than ``capacity``, the largest are
        kept, ties by the most recently seen, then by signature (the clusters :meth:`add` would evict last).
        Clusters of one post stay ``(author bit, epoch, representative)`` unless they join another."""
        rows = dict(self.rows)
        singles = dict(self.singletons)
        for key, first in other.singletons.items():
            row = rows.get(key)
            if row is None:
                mine = singles.pop(key, None)
                if mine is None:
                    singles[key] = first
                    continue
                row = clusters.first_post_row(key, *mine)
            rows[key] = merge_rows(row, clusters.first_post_row(key, *first))
        for key, row in other.rows.items():
            mine_row = rows.get(key)
            if mine_row is None:
                single = singles.pop(key, None)
                rows[key] = row if single is None else merge_rows(clusters.first_post_row(key, *single), row)
            else:
                rows[key] = merge_rows(mine_row, row)
        if len(rows) + len(singles) > self.capacity:
            ranked = sorted(
                [
                    *((-row[clusters.SIZE], -row[clusters.LAST], key) for key, row in rows.items()),
                    *((-1, -epoch, key) for key, (_, epoch, _) in singles.items()),
                ]
            )
            for _, _, key in ranked[self.capacity :]:
                if rows.pop(key, None) is None:
                    del singles[key]
        table = StoryTable(self.capacity)
        # Oldest first, as add() keeps them: the cluster of one post to go first when a new one comes, and the
        # first of equals for the eviction of a larger cluster.
        table.rows = dict(sorted(rows.items(), key=lambda item: (item[1][clusters.LAST], item[0])))
        table.singletons = OrderedDict(sorted(singles.items(), key=lambda item: (item[1][1], item[0])))
        return table

    def size_of(self, key: str) -> int:
        """Posts counted in the cluster of signature ``key`` (1 when it is not, or no longer, in the table)."""
        row = self.rows.get(key)
        return row[clusters.SIZE] if row is not None else 1

    def stories(self, limit: int) -> tuple[DigestStory, ...]:
        """The ``limit`` largest clusters of more than one post, then the campaigns among the others."""
        return tuple(_story(row) for row in clusters.largest(list(self.rows.values()), limit)[:MAX_STORIES])

    def all_rows(self) -> list[clusters.Row]:
        """Every cluster as a row, those of one post first (oldest first)."""
        singles = [clusters.first_post_row(key, *first) for key, first in self.singletons.items()]
        return [*singles, *self.rows.values()]

    def to_state(self) -> dict[str, list[Any]]:
        """The clusters of one post as ``[signature, author bit, epoch, representative]``, oldest first (most
        clusters: a quarter of a row's JSON), the others as rows (state version 3)."""
        return {
            "singles": [
                [key, bit, epoch, representative] for key, (bit, epoch, representative) in self.singletons.items()
            ],
            "rows": list(self.rows.values()),
        }

    @classmethod
    def from_state(cls, state: Sequence[Any] | Mapping[str, Any], capacity: int) -> StoryTable:
        """A table of :meth:`to_state`, or of state version 2 (every cluster as a row, see :meth:`all_rows`)."""
        if not isinstance(state, Mapping):
            return cls(capacity, [list(row) for row in state])
        table = cls(capacity, [list(row) for row in state["rows"]])
        for key, bit, epoch, representative in state["singles"]:
            table.singletons[key] = (bit, epoch, list(representative))
        return table


def merge_rows(first: clusters.Row, second: clusters.Row) -> clusters.Row:
    """One cluster of two clusters of the same signature (new lists: neither row is changed): sizes added,
    author bitmaps joined, the earliest first and latest last times, the six latest copies' times; a campaign
    when either was one or when six consecutive copies of both, by time, fall within
    :data:`~vigie.digest.clusters.CAMPAIGN_SECONDS` with as many distinct authors; the representative is the
    most reached post, then the earliest, then the smallest id (as :meth:`StoryTable.add` chooses it)."""
    authors = [a | b for a, b in zip(first[clusters.AUTHORS], second[clusters.AUTHORS], strict=True)]
    times = sorted([*first[clusters.RECENT], *second[clusters.RECENT]])
    campaign = bool(first[clusters.CAMPAIGN] or second[clusters.CAMPAIGN])
    copies = clusters.CAMPAIGN_COPIES
    if not campaign and len(times) >= copies and clusters.distinct_authors(authors) >= copies:
        campaign = any(
            times[at + copies - 1] - times[at] <= clusters.CAMPAIGN_SECONDS for at in range(len(times) - copies + 1)
        )
    mine, theirs = first[clusters.REPRESENTATIVE], second[clusters.REPRESENTATIVE]
    representative = (
        theirs
        if (-theirs[REACH], theirs[EPOCH], theirs[MENTION_ID]) < (-mine[REACH], mine[EPOCH], mine[MENTION_ID])
        else mine
    )
    return [
        first[clusters.SIGNATURE],
        first[clusters.SIZE] + second[clusters.SIZE],
        authors,
        min(first[clusters.FIRST], second[clusters.FIRST]),
        max(first[clusters.LAST], second[clusters.LAST]),
        times[-copies:],
        campaign,
        representative,
    ]


def _story(row: clusters.Row) -> DigestStory:
    representative: Sequence[Any] = row[clusters.REPRESENTATIVE]
    return DigestStory(
        text=representative[TEXT],
        url=representative[URL],
        author=representative[AUTHOR],
        source=representative[SOURCE],
        sentiment=representative[SENTIMENT],
        reach=representative[REACH],
        size=row[clusters.SIZE],
        authors=clusters.author_count(row),
        campaign=row[clusters.CAMPAIGN],
        first_published_at=datetime.fromtimestamp(row[clusters.FIRST], UTC),
    )


def stories_from_state(state: Mapping[str, Any], capacity: int) -> StoryTable:
    """The table of an aggregate's state; empty for a state written before stories were kept."""
    return StoryTable.from_state(state.get("stories", ()), capacity)
