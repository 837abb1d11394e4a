"""Invariants of the detection core, on generated streams."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import detection_scenarios as sc
from vigie.classifier.detection import DetectionEngine, PartitionDriver
from vigie.schemas import ScoredMention

PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

SENTIMENTS = st.sampled_from(["negative", "neutral", "positive"])
# (territory, seconds after the start, sentiment, followers)
ROWS = st.lists(
    st.tuples(
        st.sampled_from(["saint-malo", "dinard"]),
        st.integers(min_value=0, max_value=3 * 86400),
        SENTIMENTS,
        st.sampled_from([0, 20, 5_000, 3_000_000]),
    ),
    max_size=150,
)
SURGES = st.lists(
    st.tuples(
        st.integers(min_value=86400, max_value=3 * 86400),  # start
        st.integers(min_value=5, max_value=80),  # negative posts
        st.integers(min_value=1, max_value=90),  # over that many minutes
    ),
    max_size=3,
)


def stream(rows: list[tuple[str, int, str, int]], surges: list[tuple[int, int, int]]) -> list[ScoredMention]:
    mentions = [
        sc.mention(territory, sc.START + timedelta(seconds=offset), sentiment, followers=followers, number=i)
        for i, (territory, offset, sentiment, followers) in enumerate(rows)
    ]
    for k, (start, count, minutes) in enumerate(surges):
        for j in range(count):
            at = sc.START + timedelta(seconds=start + j * minutes * 60 // count)
            mentions.append(sc.mention("saint-malo", at, "negative", followers=100, number=100_000 * (k + 1) + j))
    return sc.merged(mentions)


def config() -> Any:
    return sc.config(sc.territory("saint-malo"), sc.territory("dinard", "village"))


@PROPERTY_SETTINGS
@given(rows=ROWS)
def test_no_alert_under_the_minimum_volume(rows: list[tuple[str, int, str, int]]) -> None:
    # At most four negative posts, by accounts without reach: below min_negative = 5 in any window.
    kept, negatives = [], 0
    for territory, offset, sentiment, _ in rows:
        if sentiment == "negative":
            negatives += 1
            if negatives > 4:
                continue
        kept.append((territory, offset, sentiment, 0))
    assert sc.run(stream(kept, []), config()) == []


@PROPERTY_SETTINGS
@given(rows=ROWS, surges=SURGES)
def test_replay_is_deterministic_and_survives_json_round_trips(
    rows: list[tuple[str, int, str, int]], surges: list[tuple[int, int, int]]
) -> None:
    mentions = stream(rows, surges)
    first = sc.run(mentions, config())
    assert sc.run(mentions, config()) == first
    assert sc.run(mentions, config(), round_trip=True) == first


@PROPERTY_SETTINGS
@given(rows=ROWS, surges=SURGES)
def test_lifecycle_invariants(rows: list[tuple[str, int, str, int]], surges: list[tuple[int, int, int]]) -> None:
    mentions = stream(rows, surges)
    # A last quiet mention a day later, on the same partition, lets every incident reach its hold.
    mentions.append(sc.mention("dinard", sc.START + timedelta(days=5), "neutral", number=999_999))
    engine = DetectionEngine(config())
    driver = PartitionDriver(engine, 0)
    states: dict[str, Any] = {}
    events = [event for m in mentions for event in driver.on_mention(m, states)]
    assert len({e.event_id for e in events}) == len(events)
    open_incident: dict[str, str] = {}
    sequences: dict[str, int] = {}
    for event in events:
        key = f"{event.territory_id}/{event.kind}"
        assert event.event_id == f"{event.incident_id}:{event.sequence}"
        if event.transition == "raised":
            assert key not in open_incident  # at most one open incident per territory and kind
            assert event.sequence == 0
            open_incident[key] = event.incident_id
        else:
            assert open_incident.get(key) == event.incident_id
            assert event.sequence == sequences[event.incident_id] + 1
        sequences[event.incident_id] = event.sequence
        if event.transition == "resolved":
            del open_incident[key]
            assert event.resolved_at is not None
            hold = timedelta(seconds=engine.settings.hold_quiet_seconds)
            assert event.resolved_at >= event.opened_at + hold
            incident_mentions = [e for e in events if e.incident_id == event.incident_id]
            assert event.resolved_at >= max(e.event_time for e in incident_mentions[:-1]) + hold - timedelta(seconds=1)
    assert open_incident == {}  # every incident resolved after its hold period


# (territory, arrival in seconds after the start, how much earlier it was published, sentiment, followers)
LATE_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["saint-malo", "dinard"]),
        st.integers(min_value=0, max_value=2 * 86400),
        st.sampled_from([0, 0, 0, 30, 400, 900]),
        SENTIMENTS,
        st.sampled_from([0, 5_000, 3_000_000]),
    ),
    max_size=150,
)


@PROPERTY_SETTINGS
@given(rows=LATE_ROWS, surges=SURGES)
def test_evidence_pruned_only_when_the_clock_moves_is_the_evidence_pruned_always(
    rows: list[tuple[str, int, int, str, int]], surges: list[tuple[int, int, int]]
) -> None:
    # The engine prunes the evidence only for mentions that move the territory's clock (see DetectionEngine);
    # on streams with late and out-of-order mentions, its states and events are those of pruning every time.
    arrivals = [
        (offset, i, sc.mention(territory, sc.START + timedelta(seconds=offset - earlier), sentiment, followers=f))
        for i, (territory, offset, earlier, sentiment, f) in enumerate(rows)
    ]
    arrivals += [((m.published_at - sc.START).total_seconds(), -1, m) for m in stream([], surges)]
    mentions = [mention for *_, mention in sorted(arrivals, key=lambda arrival: arrival[:2])]
    skipping, pruning = DetectionEngine(config()), DetectionEngine(config())
    pruning._prune_when_clock_moves = False
    assert skipping._prune_when_clock_moves
    states: dict[str, dict[str, Any]] = {}
    reference: dict[str, dict[str, Any]] = {}
    for mention in mentions:
        state, events = skipping.observe(mention, states.get(mention.territory_id))
        expected_state, expected_events = pruning.observe(mention, reference.get(mention.territory_id))
        states[mention.territory_id], reference[mention.territory_id] = state, expected_state
        assert state == expected_state
        assert events == expected_events
