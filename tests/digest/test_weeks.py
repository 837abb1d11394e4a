"""A week built from its days: each mention counted in its day, the day added to its week when it closes, a
mention late for its closed day counted in the week directly; the week's digest is the one of counting every
mention in it (what a week-only accumulator does), and a week of a state written by the former code (every
mention counted in it) goes on being fed every mention."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vigie.digest import DigestAccumulator, DigestOptions, DigestStreamStep, clusters
from vigie.digest.accumulator import STATE_VERSION
from vigie.digest.stories import StoryTable, merge_rows
from vigie.schemas import DigestEvent, ScoredMention, Sentiment, Territory

from .conftest import SAINT_MALO, scored

HANDLES = ("alice", "bob", "carol", "dave")
SENTIMENTS: tuple[Sentiment, ...] = ("negative", "neutral", "positive")
#: A day-14 mention that arrives after day 15 began (00:10 local) but before day 14 closes (grace): in day 14.
LATE_IN_GRACE = "late-in-grace"
#: A day-14 mention that arrives once day 14 closed, its week still open: in the week only.
LATE_FOR_ITS_DAY = "late-for-its-day"


def week_stream() -> list[ScoredMention]:
    """Six mentions a day from Monday 13 July 2026 to Tuesday 21 July (Europe/Paris, UTC+2), in arrival order:
    four authors back every day with a reach that changes, one text copied every day (a story across days),
    positive and negative posts enough for the top lists to choose, and the two late mentions above."""
    mentions = []
    for d in range(9):
        for i in range(6):
            at = datetime(2026, 7, 13 + d, 6, tzinfo=UTC) + timedelta(hours=2 * i)
            text = "Le festival du port attire la foule" if i == 0 else f"Marée {d} {i}: pollution plage port"
            mentions.append(
                scored(
                    f"m{d}-{i}",
                    text=text,
                    published_at=at,
                    sentiment=SENTIMENTS[(7 * d + i) % 3],
                    handle=HANDLES[(d + i) % 4],
                    followers=1000 * (1 + (d * i) % 5),
                    likes=(13 * d + 7 * i) % 20,
                    source="mastodon" if i % 2 else "bluesky",
                    language="en" if (d + i) % 4 == 0 else "fr",
                )
            )
        if d == 1:
            # Day 15 begins at 22:00Z on the 14th: a mention then, then one of day 14 within its grace.
            mentions.append(
                scored("m1-night", text="Nuit calme", published_at=datetime(2026, 7, 14, 22, 10, tzinfo=UTC))
            )
            mentions.append(
                scored(
                    LATE_IN_GRACE,
                    text="Le festival du port attire la foule",
                    published_at=datetime(2026, 7, 14, 21, 50, tzinfo=UTC),
                    sentiment="positive",
                    handle="alice",
                    followers=9000,
                    likes=40,
                )
            )
        if d == 2:
            mentions.append(
                scored(
                    LATE_FOR_ITS_DAY,
                    text="Le festival du port attire la foule",
                    published_at=datetime(2026, 7, 14, 12, tzinfo=UTC),
                    sentiment="negative",
                    handle="erin",
                    followers=100,
                )
            )
    return mentions


def stream_digests(mentions: list[ScoredMention], options: DigestOptions) -> list[DigestEvent]:
    step = DigestStreamStep([SAINT_MALO], options)
    return step.process(0, mentions) + step.accumulator(0).flush()


def by_id(digests: list[DigestEvent]) -> dict[str, DigestEvent]:
    return {digest.digest_id: digest for digest in digests}


def test_a_week_of_its_days_is_the_week_of_every_mention() -> None:
    mentions = week_stream()
    digests = stream_digests(mentions, DigestOptions())
    every_mention = stream_digests(mentions, DigestOptions(periods=("week",)))
    weeks = [digest for digest in digests if digest.period == "week"]
    assert (
        [digest.digest_id for digest in weeks]
        == [digest.digest_id for digest in every_mention]
        == [
            "saint-malo:week:2026-07-13",
            "saint-malo:week:2026-07-20",
        ]
    )
    assert [digest.model_dump_json() for digest in weeks] == [digest.model_dump_json() for digest in every_mention]
    # Oldest first: a week leaves right after its last day.
    assert [digest.digest_id for digest in digests][6:8] == ["saint-malo:day:2026-07-19", "saint-malo:week:2026-07-13"]

    days = by_id(digests)
    week = days["saint-malo:week:2026-07-13"]
    # 7 days of 6, the night mention, the mention within its day's grace and the one late for its day.
    assert week.volume.total == 7 * 6 + 3
    assert days["saint-malo:day:2026-07-14"].volume.total == 6 + 1  # with LATE_IN_GRACE, not LATE_FOR_ITS_DAY
    assert sum(days[f"saint-malo:day:2026-07-{13 + d}"].volume.total for d in range(7)) == week.volume.total - 1
    # The late mention of the 14th is in the week's timeline on the 14th.
    assert week.timeline[1].negative == days["saint-malo:day:2026-07-14"].sentiment.negative + 1
    [story] = [story for story in week.stories if story.text.startswith("Le festival")]
    assert story.size == 7 + 2 and story.reach == 9000  # a copy a day, the two late ones; the most reached


def test_a_late_mention_of_a_closed_day_is_counted_once_in_its_week() -> None:
    mentions = week_stream()
    late = next(mention for mention in mentions if mention.mention_id == LATE_FOR_ITS_DAY)
    step = DigestStreamStep([SAINT_MALO], DigestOptions())
    emitted = step.process(0, mentions[: mentions.index(late) + 1])
    assert "saint-malo:day:2026-07-14" in by_id(emitted) and step.late_mentions == 0
    accumulator = step.accumulator(0)
    assert accumulator.observe(late) == "duplicate"  # the week took the ids of its days and its own
    assert accumulator.observe(mentions[0]) == "duplicate"


def _written_by_state_version_2() -> tuple[list[ScoredMention], dict[str, object]]:
    """``state_v2.json``: the state the former code (state version 2, every mention counted in its week) wrote
    after the first 20 mentions of :func:`week_stream` through a stream step (made by that code with
    ``step.state(0)``)."""
    return week_stream(), json.loads((Path(__file__).parent / "state_v2.json").read_text())


def test_a_version_2_state_resumes_with_its_week_fed_every_mention() -> None:
    mentions, state = _written_by_state_version_2()
    assert state["version"] == 2
    uninterrupted = stream_digests(mentions, DigestOptions())
    first = DigestStreamStep([SAINT_MALO], DigestOptions())
    emitted = first.process(0, mentions[:20])
    step = DigestStreamStep([SAINT_MALO], DigestOptions())
    step.restore(0, state)
    restored = step.accumulator(0)
    week = restored.states["saint-malo"].aggregates["week:2026-07-13"]
    assert not week.fed_by_days and week.total == 20  # every mention so far is in the week
    emitted += step.process(0, mentions[20:]) + restored.flush()
    assert [digest.model_dump_json() for digest in emitted] == [digest.model_dump_json() for digest in uninterrupted]
    # The restored week goes on counting every mention until it closes; the state is written in the current
    # version; the next week is built from its days (no aggregate before its first day closes).
    resumed = DigestStreamStep([SAINT_MALO], DigestOptions())
    resumed.restore(0, state)
    resumed.process(0, mentions[20:40])
    written = json.loads(json.dumps(resumed.state(0)))
    assert written["territories"]["saint-malo"]["version"] == written["version"] == STATE_VERSION
    aggregates = written["territories"]["saint-malo"]["aggregates"]
    assert aggregates["week:2026-07-13"]["fed_by_days"] is False and aggregates["week:2026-07-13"]["total"] == 40
    resumed.process(0, mentions[40:51])
    aggregates = resumed.accumulator(0).states["saint-malo"].aggregates
    assert list(aggregates) == ["day:2026-07-20"] and aggregates["day:2026-07-20"].total == 6
    resumed.process(0, mentions[51:])
    assert aggregates["week:2026-07-20"].fed_by_days and aggregates["week:2026-07-20"].total == 6


def test_a_state_round_trip_of_a_week_of_days_changes_nothing() -> None:
    mentions = week_stream()
    uninterrupted = stream_digests(mentions, DigestOptions())
    for cut in (25, 40):
        step = DigestStreamStep([SAINT_MALO], DigestOptions())
        emitted = step.process(0, mentions[:cut])
        assert step.accumulator(0).states["saint-malo"].aggregates["week:2026-07-13"].fed_by_days
        resumed = DigestStreamStep([SAINT_MALO], DigestOptions())
        resumed.restore(0, json.loads(json.dumps(step.state(0))))
        emitted += resumed.process(0, mentions[cut:]) + resumed.accumulator(0).flush()
        assert [digest.model_dump_json() for digest in emitted] == [d.model_dump_json() for d in uninterrupted]


def test_an_offline_week_is_closed_even_when_only_its_first_days_had_mentions() -> None:
    accumulator = DigestAccumulator([SAINT_MALO])
    accumulator.observe(scored("a", text="x", published_at=datetime(2026, 7, 13, 12, tzinfo=UTC)))
    accumulator.observe(scored("b", text="x", published_at=datetime(2026, 7, 14, 12, tzinfo=UTC)))
    assert [digest.digest_id for digest in accumulator.flush()] == [
        "saint-malo:day:2026-07-13",
        "saint-malo:day:2026-07-14",
        "saint-malo:week:2026-07-13",
    ]
    assert accumulator.open_periods() == []


def _representative(reach: int, epoch: float, mention_id: str) -> clusters.Row:
    return [reach, f"text {mention_id}", None, "@a", "mastodon", "negative", epoch, mention_id]


def _table(posts: list[tuple[str, int, float, int]], capacity: int = 8) -> StoryTable:
    table = StoryTable(capacity)
    for key, bit, epoch, reach in posts:
        mention_id = f"{key}@{epoch:.0f}"
        table.add(key, bit, epoch, reach, lambda r=reach, e=epoch, m=mention_id: _representative(r, e, m))
    return table


def test_stories_of_two_days_merge_by_signature() -> None:
    midnight = 86_400.0
    # Three copies before midnight by authors 1-3, three after by authors 4-6, within 20 minutes: neither day
    # has six copies, the week has its campaign.
    monday = _table([("copie", bit, midnight - 300 + 60 * bit, 10 * bit) for bit in (1, 2, 3)] + [("seul", 9, 5.0, 1)])
    tuesday = _table([("copie", bit, midnight + 60 * bit, 10 * bit) for bit in (4, 5, 6)])
    assert not monday.rows["copie"][clusters.CAMPAIGN] and not tuesday.rows["copie"][clusters.CAMPAIGN]
    week = monday.merge(tuesday)
    row = week.rows["copie"]
    assert row[clusters.SIZE] == 6 and clusters.author_count(row) == 6 and row[clusters.CAMPAIGN]
    assert (row[clusters.FIRST], row[clusters.LAST]) == (midnight - 240, midnight + 360)
    assert row[clusters.REPRESENTATIVE][0] == 60  # the most reached copy
    assert list(week.singletons) == ["seul"] and monday.rows["copie"][clusters.SIZE] == 3  # the days unchanged
    # Copies far apart are no campaign.
    spread = _table([("copie", bit, midnight + 3600 * bit, 1) for bit in (4, 5, 6)])
    assert not monday.merge(spread).rows["copie"][clusters.CAMPAIGN]
    # The representative: most reached, then earliest, then smallest id.
    tie = merge_rows(_table([("t", 1, 50.0, 7)]).all_rows()[0], _table([("t", 2, 40.0, 7)]).all_rows()[0])
    assert tie[clusters.REPRESENTATIVE][-1] == "t@40"


def test_a_merged_table_keeps_the_largest_stories_then_the_most_recent() -> None:
    capacity = 4
    day_one = _table([("big", 1, 10.0, 1), ("big", 2, 11.0, 1), ("old", 3, 1.0, 1), ("mid", 4, 5.0, 1)], capacity)
    day_two = _table([("big", 5, 100.0, 1), ("new", 6, 90.0, 1), ("newer", 7, 95.0, 1), ("pair", 8, 80.0, 1)], capacity)
    day_two.add("pair", 9, 81.0, 1, lambda: _representative(1, 81.0, "p"))
    week = day_one.merge(day_two)
    assert week.rows.keys() == {"big", "pair"} and week.size_of("big") == 3
    # Of the clusters of one post, the two most recent stay, the older first: the first a new one replaces.
    assert list(week.singletons) == ["new", "newer"]
    week.add("latest", 10, 120.0, 1, lambda: _representative(1, 120.0, "l"))
    assert list(week.singletons) == ["newer", "latest"]


def test_a_varied_stream_gives_the_weeks_of_every_mention_also_through_a_restore() -> None:
    """Three time zones, a daylight-saving change, redeliveries, mentions late by up to two hours (some after
    their day closed), anonymous and pseudonymised authors: the weeks built from their days are those of a
    week-only accumulator (fewer than 64 stories a day: no bound reached), with or without a restore midway."""
    rng = random.Random(3)
    zones = {"paris": "Europe/Paris", "papeete": "Pacific/Tahiti", "montreal": "America/Toronto"}
    territories = [Territory(id=tid, name=tid.title(), timezone=zone) for tid, zone in zones.items()]
    start = datetime(2026, 10, 19, tzinfo=UTC)  # Paris leaves summer time on 25 October, Toronto on 1 November
    mentions = []
    for n in range(600):
        handle = None if n % 17 == 0 else f"user{rng.randrange(40)}"
        mentions.append(
            scored(
                f"v{n}",
                text=f"{rng.choice(['Marché', 'Pont', 'Festival', 'Travaux'])} {rng.randrange(12)} ce matin",
                published_at=start + timedelta(seconds=n * 3000 + rng.randrange(3000)),
                sentiment=rng.choice(SENTIMENTS),
                handle=handle,
                followers=rng.choice([10, 500, 5000]),
                likes=rng.randrange(30),
                pseudonymised=n % 11 == 0,
                source=rng.choice(["mastodon", "bluesky", "rss"]),
                territory_id=rng.choice(list(zones)),
            )
        )
    arrival = sorted(mentions, key=lambda m: m.published_at + timedelta(seconds=rng.choice([0, 0, 0, 600, 7200])))
    arrival += rng.sample(mentions, 40)  # redeliveries, late
    arrival.insert(300, mentions[10])

    def run(options: DigestOptions, cut: int | None = None) -> list[DigestEvent]:
        step = DigestStreamStep(territories, options)
        emitted = step.process(0, arrival[:cut])
        if cut is not None:
            resumed = DigestStreamStep(territories, options)
            resumed.restore(0, json.loads(json.dumps(step.state(0))))
            step, emitted = resumed, emitted + resumed.process(0, arrival[cut:])
        return emitted + step.accumulator(0).flush()

    every_mention = [d.model_dump_json() for d in run(DigestOptions(periods=("week",)))]
    for cut in (None, 333):
        digests = run(DigestOptions(), cut)
        assert [d.model_dump_json() for d in digests if d.period == "week"] == every_mention
    assert len(every_mention) >= 6
    # Some mentions came after their day closed, and are in their week only.
    days: dict[str, int] = {}
    for digest in digests:
        if digest.period == "day":
            week = digest.period_date - timedelta(days=digest.period_date.weekday())
            days[f"{digest.territory_id}:week:{week}"] = (
                days.get(f"{digest.territory_id}:week:{week}", 0) + digest.volume.total
            )
    assert any(d.volume.total > days[d.digest_id] for d in digests if d.period == "week")


def _merged_as_rows(first: StoryTable, second: StoryTable) -> list[clusters.Row]:
    """The rule of :meth:`StoryTable.merge` on whole rows, plainly: the rows of one signature merged, the
    largest then most recent kept, oldest first (clusters of one post first)."""
    merged = {row[clusters.SIGNATURE]: row for row in first.all_rows()}
    for row in second.all_rows():
        mine = merged.get(row[clusters.SIGNATURE])
        merged[row[clusters.SIGNATURE]] = row if mine is None else merge_rows(mine, row)
    rows = sorted(merged.values(), key=lambda row: (-row[clusters.SIZE], -row[clusters.LAST], row[clusters.SIGNATURE]))
    del rows[first.capacity :]
    return sorted(rows, key=lambda row: (row[clusters.SIZE] > 1, row[clusters.LAST], row[clusters.SIGNATURE]))


def test_a_merge_of_story_tables_is_the_merge_of_their_rows() -> None:
    rng = random.Random(8)
    for _ in range(200):
        capacity = rng.choice([2, 4, 8])

        def posts() -> list[tuple[str, int, float, int]]:
            keys = [f"k{rng.randrange(10)}" for _ in range(rng.randrange(12))]
            return [(key, rng.randrange(256), float(rng.randrange(50)), rng.randrange(5)) for key in keys]

        first, second = _table(posts(), capacity), _table(posts(), capacity)
        expected = _merged_as_rows(first, second)
        before = json.dumps([first.all_rows(), second.all_rows()])
        assert first.merge(second).all_rows() == expected
        assert json.dumps([first.all_rows(), second.all_rows()]) == before  # neither table changed


def test_a_copy_its_busy_day_evicts_joins_the_story_its_week_has_already() -> None:
    """Monday makes a story of two copies; on Tuesday a third copy is pushed out of the day's table by 70 other
    posts: the week keeps it, as a week fed every mention does."""
    monday, tuesday = datetime(2026, 7, 13, 8, tzinfo=UTC), datetime(2026, 7, 14, 8, tzinfo=UTC)
    story = "La digue du Sillon est fermée ce week-end"
    mentions = [
        scored("s1", text=story, published_at=monday, handle="a"),
        scored("s2", text=story, published_at=monday + timedelta(hours=1), handle="b"),
        scored("s3", text=story, published_at=tuesday, handle="c"),
        *(
            scored(f"u{n}", text=f"Message {n} unique {n * 7}", published_at=tuesday + timedelta(minutes=n + 1))
            for n in range(70)
        ),
        scored("next", text="x", published_at=datetime(2026, 7, 20, 8, tzinfo=UTC)),
    ]
    digests = by_id(stream_digests(mentions, DigestOptions()))
    assert [s.size for s in digests["saint-malo:day:2026-07-14"].stories] == []  # the day lost its copy
    week = digests["saint-malo:week:2026-07-13"]
    assert [s.size for s in week.stories] == [3]
    every_mention = by_id(stream_digests(mentions, DigestOptions(periods=("week",))))
    assert week.model_dump_json() == every_mention["saint-malo:week:2026-07-13"].model_dump_json()
