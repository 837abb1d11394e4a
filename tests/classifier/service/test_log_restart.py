"""A scored-mentions log that restarts from offset 0 (the broker lost its data) below the offsets detection had
applied: its new records are processed, not skipped as replayed; a crash after that still replays exactly."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vigie.classifier.service.checkpoint import decode_entry, encode_entry
from vigie.classifier.service.detection_step import EngineDetectionStep, upstream_header
from vigie.classifier.service.records import InboundRecord
from vigie.schemas import (
    MENTIONS_SCORED,
    Author,
    ScoredMention,
    SentimentScores,
    Source,
    TerritoryConfig,
    encode,
    load_territories,
)

START = datetime(2026, 11, 27, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def territories(kit: Any) -> TerritoryConfig:
    return load_territories(kit.TERRITORIES)


def records(first_id: int, count: int, *, at: datetime, produced: float | None = None) -> list[InboundRecord]:
    """``count`` scored records of Saint-Malo on partition 0 from offset 0, made from raw offsets 0..; with
    broker timestamps from ``produced`` (seconds, one a millisecond) when given."""
    out = []
    for offset in range(count):
        n = first_id + offset
        mention = ScoredMention(
            mention_id=f"mastodon:test:{n}",
            native_id=str(n),
            source=Source(kind="mastodon", instance="test"),
            text=f"Belle journée {n}",
            author=Author(handle=f"user{n}"),
            published_at=at + timedelta(seconds=30 * offset),
            collected_at=at + timedelta(seconds=30 * offset + 5),
            territory_id="saint-malo",
            detected_language="fr",
            sentiment="neutral",
            scores=SentimentScores(negative=0.1, neutral=0.8, positive=0.1),
            model="test",
        )
        encoded = encode(MENTIONS_SCORED, mention, source="/tests")
        headers = [*encoded.headers, upstream_header(0, offset)]
        timestamp = None if produced is None else produced + offset / 1000
        out.append(InboundRecord(MENTIONS_SCORED, 0, offset, encoded.key, encoded.value, headers, timestamp))
    return out


def run(step: EngineDetectionStep, batch: Sequence[InboundRecord], table: dict[str, bytes], end: int) -> Any:
    outcome = step.process(batch, table, log_end=lambda partition: end)
    for write in outcome.writes:
        table[write.key] = write.value
    return outcome


def applied(table: dict[str, bytes]) -> int:
    return int(table["_partition:0"].split(b"\n", 1)[0])


def test_a_restarted_log_is_processed_and_then_replays_exactly(territories: TerritoryConfig) -> None:
    table: dict[str, bytes] = {}
    before = records(0, 300, at=START)
    outcome = run(EngineDetectionStep(territories, lambda: START), before, table, end=300)
    assert (applied(table), outcome.log_restarts) == (299, [])

    # The broker restarts empty: 40 new mentions at offsets 0..39; a new worker (the old one was restarted too).
    after = records(1000, 40, at=START + timedelta(hours=3))
    step = EngineDetectionStep(territories, lambda: START)
    outcome = run(step, after[:25], table, end=25)
    assert outcome.log_restarts == [0] and outcome.replayed_records == 0
    assert applied(table) == 300 + 24
    _, _, upstream = decode_entry(table["_partition:0"])
    assert json.loads(upstream) == {"0": 24, "base": 300}

    # Same process, next batch: offsets go on from there (no second restart).
    outcome = run(step, after[25:], table, end=40)
    assert (outcome.log_restarts, outcome.replayed_records, applied(table)) == ([], 0, 339)

    # A worker restarted after a crash re-reads the new log from 0: everything is already applied.
    outcome = run(EngineDetectionStep(territories, lambda: START), after, table, end=40)
    assert (outcome.log_restarts, outcome.replayed_records, outcome.alerts) == ([], 40, [])


def test_offsets_going_backwards_in_one_process_are_a_restarted_log(territories: TerritoryConfig) -> None:
    table: dict[str, bytes] = {}
    step = EngineDetectionStep(territories, lambda: START)
    run(step, records(0, 100, at=START), table, end=100)
    # The high watermark is not known (None) this time: the offsets going back say it.
    outcome = step.process(records(500, 10, at=START + timedelta(hours=2)), table)
    assert outcome.log_restarts == [0] and outcome.replayed_records == 0
    # After a rebalance (abandon), a re-delivery from the committed offset is a replay, not a restart.
    for write in outcome.writes:
        table[write.key] = write.value
    step.abandon()
    outcome = step.process(records(500, 10, at=START + timedelta(hours=2)), table)
    assert (outcome.log_restarts, outcome.replayed_records) == ([], 10)


def test_a_replay_after_a_crash_is_not_a_restart(territories: TerritoryConfig) -> None:
    table: dict[str, bytes] = {}
    batch = records(0, 100, at=START)
    run(EngineDetectionStep(territories, lambda: START), batch, table, end=100)
    outcome = run(EngineDetectionStep(territories, lambda: START), batch[50:], table, end=100)
    assert (outcome.log_restarts, outcome.replayed_records) == ([], 50)


def test_a_restarted_log_already_longer_than_what_was_applied_is_recognised_by_its_timestamps(
    territories: TerritoryConfig,
) -> None:
    """The broker lost everything while detection had applied 100 records; by the time the new worker reads,
    the new log holds 250: neither its end nor the offsets say it restarted, but its records were produced
    after every record applied (broker timestamps), which no re-delivered record can be."""
    table: dict[str, bytes] = {}
    produced = START.timestamp()
    run(EngineDetectionStep(territories, lambda: START), records(0, 100, at=START, produced=produced), table, 100)
    after = records(1000, 250, at=START + timedelta(hours=2), produced=produced + 600)
    outcome = run(EngineDetectionStep(territories, lambda: START), after[:120], table, end=250)
    assert (outcome.log_restarts, outcome.replayed_records, applied(table)) == ([0], 0, 100 + 119)
    # A crash, then the same records re-delivered: a replay, with the same timestamps.
    outcome = run(EngineDetectionStep(territories, lambda: START), after[:120], table, end=250)
    assert (outcome.log_restarts, outcome.replayed_records) == ([], 120)


@pytest.mark.parametrize("end", [91, 100, 5000])
def test_records_re_delivered_after_a_crash_are_a_replay_whatever_the_log_end(
    territories: TerritoryConfig, end: int
) -> None:
    """91: Tansu reports the end of a batch-written log as its last batch's first offset + 1, which the end rule
    alone reads as a log that restarted below what was applied; the records' timestamps say it is a replay."""
    table: dict[str, bytes] = {}
    batch = records(0, 100, at=START, produced=START.timestamp())
    run(EngineDetectionStep(territories, lambda: START), batch, table, end=100)
    outcome = run(EngineDetectionStep(territories, lambda: START), batch[40:50], table, end=end)
    assert (outcome.log_restarts, outcome.replayed_records, applied(table)) == ([], 10, 99)


def test_a_newest_timestamp_that_does_not_cover_the_commit_record_is_not_trusted(
    territories: TerritoryConfig,
) -> None:
    """A commit record rewritten by a version that does not keep the newest timestamp carries a stale one: a
    replay of the records applied since would look newer than it."""
    table: dict[str, bytes] = {}
    batch = records(0, 100, at=START, produced=START.timestamp())
    run(EngineDetectionStep(territories, lambda: START), batch[:50], table, end=50)
    offset, book, upstream = decode_entry(table["_partition:0"])
    stale = json.loads(upstream)
    assert stale["newest"] == [round(START.timestamp() * 1000) + 49, 49]
    run(EngineDetectionStep(territories, lambda: START), batch[50:], table, end=100)
    # What an older version leaves: the commit record moved to 99, "newest" still the one of offset 49.
    offset, book, upstream = decode_entry(table["_partition:0"])
    table["_partition:0"] = encode_entry(
        offset, book, json.dumps({**json.loads(upstream), "newest": stale["newest"]}).encode()
    )
    outcome = run(EngineDetectionStep(territories, lambda: START), batch[60:], table, end=100)
    assert (outcome.log_restarts, outcome.replayed_records) == ([], 40)
