"""Detection over scored-mention records with a changelogged table: re-processing after a crash at any point
of the changelog gives the alert events of an uninterrupted run, which are ``vigie backtest``'s."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from vigie.classifier.replay import Backtest
from vigie.classifier.sentiment import load_default_model, load_language_identifier
from vigie.classifier.service.checkpoint import decode_entry
from vigie.classifier.service.components import load_scorer
from vigie.classifier.service.detection_outcome import DetectionOutcome
from vigie.classifier.service.detection_step import EngineDetectionStep, _standard_utc
from vigie.classifier.service.records import InboundRecord
from vigie.schemas import MENTIONS_SCORED, AlertEvent, RawMention, ScoredMention, load_territories

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
TERRITORY_IDS = ["saint-malo", "nice", "tours", "lyon", "orange"]
PARTITIONS = 3
BATCH = 40


class Changelog:
    """A table and the ordered log of its writes, as faust keeps them (one log per partition, merged here)."""

    def __init__(self) -> None:
        self.table: dict[str, bytes] = {}
        self.log: list[tuple[str, bytes]] = []

    def apply(self, outcome: DetectionOutcome) -> None:
        for write in outcome.writes:
            self.table[write.key] = write.value
            self.log.append((write.key, write.value))

    @classmethod
    def restored(cls, log: Sequence[tuple[str, bytes]]) -> Changelog:
        restored = cls()
        for key, value in log:
            restored.table[key] = value
            restored.log.append((key, value))
        return restored


@pytest.fixture(scope="module")
def mentions(kit) -> list[RawMention]:
    return kit.scenario(TERRITORY_IDS, "nice", hours=26, crisis_at_hour=16, per_hour=3)


@pytest.fixture(scope="module")
def territories(kit):
    return load_territories(kit.TERRITORIES)


@pytest.fixture(scope="module")
def records(kit, mentions) -> list[InboundRecord]:
    return kit.scored_records(load_scorer()(mentions), PARTITIONS)


def run(step: EngineDetectionStep, records: Sequence[InboundRecord], changelog: Changelog) -> list[AlertEvent]:
    events: list[AlertEvent] = []
    for start in range(0, len(records), BATCH):
        outcome = step.process(records[start : start + BATCH], changelog.table)
        events.extend(alert.event for alert in outcome.alerts)
        changelog.apply(outcome)
    return events


def run_windowed(
    step: EngineDetectionStep,
    records: Sequence[InboundRecord],
    changelog: Changelog,
    *,
    window: int,
    stop_at_log: int = -1,
) -> list[AlertEvent]:
    """Like the agent with timed checkpoints: every batch's alerts are published, the states are written once
    every ``window`` batches (and at the end); stops once ``stop_at_log`` writes are durable."""
    events: list[AlertEvent] = []
    batches = range(0, len(records), BATCH)
    for index, start in enumerate(batches):
        if 0 <= stop_at_log <= len(changelog.log):
            return events
        outcome = step.process(records[start : start + BATCH], changelog.table, checkpoint=False)
        assert not outcome.writes
        events.extend(alert.event for alert in outcome.alerts)
        if (index + 1) % window == 0 or index == len(batches) - 1:
            changelog.apply(DetectionOutcome(writes=step.checkpoint()))
            assert not step.pending
    return events


def final_states(table: dict[str, bytes]) -> dict[str, bytes]:
    """The state each entry holds after its last write (which of the window's bytes differ: offsets, bases)."""
    return {key: decode_entry(entry)[1] for key, entry in table.items()}


@pytest.fixture(scope="module")
def uninterrupted(territories, records) -> tuple[list[AlertEvent], Changelog]:
    changelog = Changelog()
    events = run(EngineDetectionStep(territories, lambda: NOW), records, changelog)
    return events, changelog


def test_the_service_step_gives_the_backtest_events(territories, mentions, uninterrupted) -> None:
    backtest = Backtest(territories, load_default_model(), load_language_identifier())
    expected = list(backtest.run(mentions))
    events, _ = uninterrupted
    assert expected[0].transition == "raised" and expected[-1].transition == "resolved"
    assert sorted(events, key=lambda e: e.event_id) == sorted(expected, key=lambda e: e.event_id)


def test_a_crash_anywhere_in_the_changelog_then_a_replay_from_the_start_changes_nothing(
    territories, records, uninterrupted
) -> None:
    reference, full = uninterrupted
    by_id = {event.event_id: event for event in reference}
    rng = random.Random(3)
    crash_points = sorted({0, 1, len(full.log) - 1, *rng.sample(range(len(full.log)), 15)})
    for crash_point in crash_points:
        restored = Changelog.restored(full.log[:crash_point])
        # Alert events are published before a batch's writes: those of the batches up to the crash point
        # were out already. The restarted worker re-reads every record (nothing was committed).
        replayed = run(EngineDetectionStep(territories, lambda: NOW), records, restored)
        assert {e.event_id for e in replayed} <= set(by_id), crash_point
        assert all(event == by_id[event.event_id] for event in replayed), crash_point
        published_before = _events_before(territories, records, crash_point, full)
        assert published_before | {e.event_id for e in replayed} == set(by_id), crash_point
        assert restored.table == full.table, crash_point


def _events_before(territories, records, crash_point: int, full: Changelog) -> set[str]:
    """Event ids an uninterrupted run had surely published when only ``crash_point`` writes were durable: those
    of the batches with at least one durable write (a batch publishes its alerts before writing)."""
    step = EngineDetectionStep(territories, lambda: NOW)
    changelog = Changelog()
    published: set[str] = set()
    for start in range(0, len(records), BATCH):
        if len(changelog.log) >= crash_point:
            break
        outcome = step.process(records[start : start + BATCH], changelog.table)
        published.update(alert.event.event_id for alert in outcome.alerts)
        changelog.apply(outcome)
    return published


@pytest.mark.parametrize("window", [3, 1_000])
def test_checkpoint_windows_give_the_same_events_and_states_even_after_a_crash(
    territories, records, uninterrupted, window
) -> None:
    """States written once per window of batches (the agent's timed checkpoints; 1,000: a single window for the
    whole run) instead of once per batch: same events, same final states, and a crash anywhere in the
    changelog followed by a replay of every record still loses and duplicates nothing."""
    reference, per_batch = uninterrupted
    by_id = {event.event_id: event for event in reference}
    full = Changelog()
    events = run_windowed(EngineDetectionStep(territories, lambda: NOW), records, full, window=window)
    assert events == reference
    assert final_states(full.table) == final_states(per_batch.table)
    assert len(full.log) < len(per_batch.log)
    rng = random.Random(7)
    for crash_point in sorted({0, len(full.log) - 1, *rng.sample(range(len(full.log)), min(8, len(full.log)))}):
        published = run_windowed(
            EngineDetectionStep(territories, lambda: NOW), records, Changelog(), window=window, stop_at_log=crash_point
        )
        restored = Changelog.restored(full.log[:crash_point])
        replayed = run_windowed(EngineDetectionStep(territories, lambda: NOW), records, restored, window=window)
        assert all(event == by_id[event.event_id] for event in replayed), crash_point
        assert {e.event_id for e in published} | {e.event_id for e in replayed} == set(by_id), crash_point
        assert final_states(restored.table) == final_states(full.table), crash_point


def test_an_abandoned_window_is_re_applied_from_the_committed_states(territories, records, uninterrupted) -> None:
    """A revoked partition's open window is dropped without writes (its records were never acknowledged): the
    records come again and give the same events and states as if the window had never been open."""
    reference, per_batch = uninterrupted
    step, changelog = EngineDetectionStep(territories, lambda: NOW), Changelog()
    half = (len(records) // 2) // BATCH * BATCH
    events = run(step, records[:half], changelog)
    for start in range(half, min(half + 3 * BATCH, len(records)), BATCH):
        step.process(records[start : start + BATCH], changelog.table, checkpoint=False)
    assert step.pending
    step.abandon()
    assert not step.pending and step.checkpoint() == []
    events += run(step, records[half:], changelog)
    assert events == reference
    assert final_states(changelog.table) == final_states(per_batch.table)


def test_re_scored_duplicates_and_redelivered_records_are_skipped(territories, records, uninterrupted) -> None:
    _, full = uninterrupted
    restored = Changelog.restored(full.log)
    step = EngineDetectionStep(territories, lambda: NOW)
    redelivered = step.process(records[-BATCH:], restored.table)
    assert redelivered.replayed_records == BATCH and not redelivered.alerts
    tail = records[-BATCH:]
    duplicates = [InboundRecord(r.topic, r.partition, r.offset + 10_000, r.key, r.value, r.headers) for r in tail]
    outcome = step.process(duplicates, restored.table)
    assert outcome.replayed_records == BATCH and not outcome.alerts
    restored.apply(outcome)
    assert restored.table.keys() == full.table.keys()


def test_undecodable_and_unknown_territory_records_are_dead_lettered(territories, records) -> None:
    step = EngineDetectionStep(territories, lambda: NOW)
    good = records[0]
    unknown = good.value.replace(b'"territory_id":"', b'"territory_id":"atlantis-', 1)
    batch = [
        InboundRecord(MENTIONS_SCORED, 0, 0, b"x", b"not json"),
        InboundRecord(MENTIONS_SCORED, 0, 1, b"atlantis", unknown),
    ]
    outcome = step.process(batch, {})
    assert [(d.offset, d.error_class) for d in outcome.dead_letters] == [(0, "decode"), (1, "validation")]
    assert "unknown territory" in outcome.dead_letters[1].reason
    assert [w.key for w in outcome.writes] == ["_partition:0"]


def test_zero_offset_times_take_the_standard_utc_the_same_instants_and_json() -> None:
    """The step gives a decoded mention's zero-offset times the standard library's UTC (cheaper to compare): the
    same instants and the same JSON; a time with another offset keeps its zone."""
    value = {
        "mention_id": "replay:t:1",
        "native_id": "1",
        "source": {"kind": "replay", "instance": "t"},
        "text": "Plage fermée",
        "published_at": "2026-10-05T10:00:00Z",
        "collected_at": "2026-10-05T12:00:05+02:00",
        "territory_id": "saint-malo",
        "detected_language": "fr",
        "sentiment": "negative",
        "scores": {"negative": 0.8, "neutral": 0.1, "positive": 0.1},
        "model": "test",
    }
    mention = ScoredMention.model_validate(value)
    before = (mention.published_at, mention.collected_at, mention.model_dump_json())
    assert mention.published_at.tzinfo is not UTC  # pydantic's own zero-offset zone
    _standard_utc(mention)
    assert mention.published_at.tzinfo is UTC
    assert mention.collected_at.utcoffset() == timedelta(hours=2)
    assert (mention.published_at, mention.collected_at, mention.model_dump_json()) == before


_PARSED_TIME = TypeAdapter(datetime)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
def test_standard_utc_is_the_zero_offset_time_with_its_zone_replaced(moment: datetime) -> None:
    """The standard UTC the step gives a parsed zero-offset time has exactly the fields (and ``fold``) that
    replacing its zone gives."""
    parsed = _PARSED_TIME.validate_json(f'"{moment.isoformat()}Z"')
    assert parsed.tzinfo is not UTC
    mention = ScoredMention.model_construct(published_at=parsed, collected_at=parsed)
    _standard_utc(mention)
    expected = parsed.replace(tzinfo=UTC)
    for got in (mention.published_at, mention.collected_at):
        assert got.tzinfo is UTC
        assert (got.isoformat(), got.fold, got) == (expected.isoformat(), expected.fold, expected)
