"""The period's stories table: bounded, singletons rotate, a growing story stays, a state round trip and the
arrival order change nothing."""

from __future__ import annotations

import random

from vigie.digest import clusters
from vigie.digest.stories import StoryTable


def _representative(reach: int, epoch: float, mention_id: str) -> clusters.Row:
    return [reach, f"text {mention_id}", None, "@a", "mastodon", "negative", epoch, mention_id]


def _posts() -> list[tuple[str, int, float, int, str]]:
    """(signature, author bit, epoch, reach, mention id): one story of 30 copies among 300 unique posts."""
    posts = [("la plage est fermée", i % 256, 1000.0 + i, i, f"s{i}") for i in range(30)]
    posts += [(f"unique post {i}", (7 * i) % 256, 500.0 + i, 5, f"u{i}") for i in range(300)]
    return posts


def _fill(table: StoryTable, posts: list[tuple[str, int, float, int, str]]) -> StoryTable:
    for key, bit, epoch, reach, mention_id in posts:
        table.add(key, bit, epoch, reach, lambda r=reach, e=epoch, m=mention_id: _representative(r, e, m))
    return table


def test_a_growing_story_survives_a_full_table_of_singletons() -> None:
    posts = _posts()
    random.Random(1).shuffle(posts)
    table = _fill(StoryTable(16), posts)
    assert len(table.rows) + len(table.singletons) <= 16
    [story] = table.stories(5)
    assert (story.size, story.text, story.reach) == (30, "text s29", 29)
    assert table.size_of("la plage est fermée") == 30 and table.size_of("unique post 0") == 1


def test_a_state_round_trip_midway_changes_nothing() -> None:
    posts = _posts()
    random.Random(2).shuffle(posts)
    uninterrupted = _fill(StoryTable(16), posts)
    half = _fill(StoryTable(16), posts[:150])
    resumed = _fill(StoryTable.from_state(half.to_state(), 16), posts[150:])
    assert resumed.to_state() == uninterrupted.to_state()
    assert resumed.stories(5) == uninterrupted.stories(5)
