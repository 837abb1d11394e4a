"""Event-time discipline: same input, same digest — whatever the order, restarts, redeliveries or DST."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vigie.digest import DigestAccumulator, DigestOptions
from vigie.digest.accumulator import STATE_VERSION
from vigie.schemas import DigestEvent, ScoredMention, Territory


def run(mentions: list[ScoredMention], territory: Territory) -> list[DigestEvent]:
    accumulator = DigestAccumulator([territory])
    for mention in mentions:
        accumulator.observe(mention)
    return accumulator.flush()


def test_same_input_same_digests_in_any_order(stream: list[ScoredMention], territory: Territory) -> None:
    expected = run(stream, territory)
    shuffled = list(stream)
    random.Random(7).shuffle(shuffled)
    assert [d.model_dump_json() for d in run(shuffled, territory)] == [d.model_dump_json() for d in expected]
    assert [d.digest_id for d in expected] == [
        "saint-malo:day:2026-07-13",
        "saint-malo:day:2026-07-14",
        "saint-malo:week:2026-07-13",
    ]
    assert expected[2].volume.total == 50 and len(expected[2].timeline) == 7


def test_redeliveries_are_counted_once(stream: list[ScoredMention], territory: Territory) -> None:
    accumulator = DigestAccumulator([territory])
    for mention in stream:
        accumulator.observe(mention)
    assert accumulator.observe(stream[3]) == "duplicate"
    assert [d.model_dump_json() for d in accumulator.flush()] == [d.model_dump_json() for d in run(stream, territory)]


def test_state_survives_a_restart_through_json(stream: list[ScoredMention], territory: Territory) -> None:
    """Stop halfway (state to JSON), restart from it, replay the rest: the digests of an uninterrupted run."""
    first = DigestAccumulator([territory])
    emitted: list[DigestEvent] = []
    for mention in stream[:35]:
        first.observe(mention)
    emitted += first.close_periods(datetime(2026, 7, 14, 6, tzinfo=UTC))
    assert [d.digest_id for d in emitted] == ["saint-malo:day:2026-07-13"]
    restored = DigestAccumulator([territory], state=json.loads(json.dumps(first.to_state())))
    for mention in stream[35:]:
        restored.observe(mention)
    emitted += restored.flush()
    assert [d.model_dump_json() for d in emitted] == [d.model_dump_json() for d in run(stream, territory)]


def test_periods_close_on_the_watermark_and_late_mentions_are_refused(kit: type, territory: Territory) -> None:
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",), grace=timedelta(minutes=30)))
    accumulator.observe(kit.scored("a", text="x", published_at=datetime(2026, 7, 14, 21, 59, tzinfo=UTC)))
    # The local day ends at 22:00Z; with 30 minutes of grace it closes at 22:30Z, not before.
    assert accumulator.close_periods(datetime(2026, 7, 14, 22, 29, tzinfo=UTC)) == []
    assert accumulator.observe(kit.scored("b", text="x", published_at=datetime(2026, 7, 14, 21, 0, tzinfo=UTC))) == (
        "counted"
    )
    [digest] = accumulator.close_periods(datetime(2026, 7, 14, 22, 30, tzinfo=UTC))
    assert digest.volume.total == 2
    late = kit.scored("c", text="x", published_at=datetime(2026, 7, 14, 21, 30, tzinfo=UTC))
    assert accumulator.observe(late) == "late"
    assert accumulator.close_periods(datetime(2026, 7, 14, 1, tzinfo=UTC)) == []  # the watermark never goes back
    assert accumulator.open_periods() == []


def test_previous_period_without_mentions_counts_as_zero(kit: type, territory: Territory) -> None:
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",)))
    accumulator.observe(kit.scored("a", text="x", published_at=datetime(2026, 7, 10, 12, tzinfo=UTC)))
    accumulator.observe(kit.scored("b", text="x", published_at=datetime(2026, 7, 14, 12, tzinfo=UTC)))
    first, second = accumulator.flush()
    assert first.volume.previous_total is None
    assert (second.volume.previous_total, second.volume.change) == (0, None)


def test_days_are_23_and_25_hours_across_daylight_saving(kit: type, territory: Territory) -> None:
    spring = kit.scored("s", text="x", published_at=datetime(2026, 3, 29, 12, tzinfo=UTC))
    autumn = kit.scored("a", text="x", published_at=datetime(2026, 10, 25, 12, tzinfo=UTC))
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day", "week")))
    accumulator.observe(spring)
    accumulator.observe(autumn)
    by_id = {d.digest_id: d for d in accumulator.flush()}
    day = by_id["saint-malo:day:2026-03-29"]
    assert (day.period_start, day.period_end) == (
        datetime(2026, 3, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 29, 22, tzinfo=UTC),
    )
    assert len(day.timeline) == 23 and day.timeline[13].neutral == 1  # 12:00Z is 14:00 CEST
    autumn_day = by_id["saint-malo:day:2026-10-25"]
    assert autumn_day.period_end - autumn_day.period_start == timedelta(hours=25) and len(autumn_day.timeline) == 25
    week = by_id["saint-malo:week:2026-03-23"]
    assert week.period_end - week.period_start == timedelta(days=7, hours=-1)
    assert week.timeline[6].start == datetime(2026, 3, 28, 23, tzinfo=UTC) and week.timeline[6].neutral == 1


def _restart_stream(kit: type) -> list[ScoredMention]:
    """The four mentions ``state_v1.json`` counted (written by state version 1's code), then two more."""
    day = kit.day
    return [
        kit.scored(
            "m1",
            text="Plage du Sillon magnifique #SaintMalo @alice",
            published_at=day,
            sentiment="positive",
            handle="alice",
            followers=5000,
            likes=3,
        ),
        kit.scored(
            "m2",
            text="Pollution encore, honte",
            published_at=day + timedelta(hours=1),
            sentiment="negative",
            handle="bob",
            followers=20,
            pseudonymised=True,
        ),
        kit.scored("m3", text="Marché ce matin", published_at=day + timedelta(hours=2), source="rss", language="en"),
        kit.scored(
            "m4",
            text="Pollution plage",
            published_at=day + timedelta(hours=3),
            sentiment="negative",
            handle="dave",
            followers=800,
            likes=1,
        ),
        kit.scored(
            "m5", text="Pollution toujours", published_at=day + timedelta(hours=4), sentiment="negative", handle="dave"
        ),
        kit.scored(
            "m6",
            text="Belle plage",
            published_at=day + timedelta(hours=5),
            sentiment="positive",
            handle="alice",
            likes=9,
        ),
    ]


def test_a_version_1_state_still_restores(kit: type, territory: Territory) -> None:
    """A state written before the compact format (version 1: an object per timeline bucket, top post and
    author) resumes into the digests of an uninterrupted run, also next to a current territory in the same
    state (a checkpoint rewrites only the territories it changed), and is written back in the current version. What the
    old state never kept is unknown for the mentions counted before the restart: the stories (near-duplicate
    clusters), the model's confidence and the copies of its top posts."""
    stream = _restart_stream(kit)
    state = json.loads((Path(__file__).parent / "state_v1.json").read_text())
    assert state["version"] == 1 and "version" not in state["territories"]["saint-malo"]
    other = Territory(id="dinan", name="Dinan", timezone="Europe/Paris")
    elsewhere = kit.scored("d1", text="Remparts", published_at=kit.day, sentiment="positive", territory_id="dinan")
    uninterrupted = DigestAccumulator([territory, other])
    for mention in [*stream, elsewhere]:
        uninterrupted.observe(mention)
    expected = [_without_story(digest) for digest in uninterrupted.flush()]

    current = DigestAccumulator([other])
    current.observe(elsewhere)
    mixed = {**state, "territories": {**state["territories"], **current.to_state()["territories"]}}
    mixed["version"] = STATE_VERSION
    assert mixed["territories"]["dinan"]["version"] == STATE_VERSION
    restored = DigestAccumulator([territory, other], state=mixed)
    written = restored.to_state()
    assert written["version"] == STATE_VERSION
    assert all(t["version"] == STATE_VERSION for t in written["territories"].values())
    for mention in stream[4:]:
        assert restored.observe(mention) == "counted"
    assert [_without_story(digest) for digest in restored.flush()] == expected


def _without_story(digest: DigestEvent) -> dict[str, object]:
    """The digest without what a version 1 state does not keep (see the test above)."""
    data = digest.model_dump(mode="json", exclude={"stories"})
    for key in ("top_positive", "top_negative"):
        data[key] = [{k: v for k, v in post.items() if k not in {"confidence", "copies"}} for post in data[key]]
    return data


def test_an_unknown_state_version_is_refused(kit: type, territory: Territory) -> None:
    accumulator = DigestAccumulator([territory])
    accumulator.observe(kit.scored("a", text="x", published_at=kit.day))
    state = accumulator.to_state()
    state["territories"]["saint-malo"]["version"] = 99
    with pytest.raises(ValueError, match="version 99"):
        DigestAccumulator([territory], state=state)
