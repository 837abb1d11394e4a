"""One hostile scored-mention record fails only itself in the detection step: it becomes a dead letter with a
reason (or is counted as late), never an exception out of the batch, whatever its bytes.

Values are built as JSON text, not through the models: the schemas may bound dates and sizes one day, and the
step must hold without relying on it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.classifier.service.checkpoint import entry_offset
from vigie.classifier.service.detection_outcome import DetectionOutcome
from vigie.classifier.service.detection_step import EngineDetectionStep, upstream_header
from vigie.classifier.service.digest_checkpoint import CheckpointedDigests
from vigie.classifier.service.records import InboundRecord
from vigie.digest import DigestOptions, DigestStreamStep
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
TERRITORY = "saint-malo"


@pytest.fixture(scope="module")
def territories(kit: Any) -> TerritoryConfig:
    return load_territories(kit.TERRITORIES)


def mention(n: int, at: datetime, territory_id: str = TERRITORY, negative: bool = True) -> ScoredMention:
    return ScoredMention(
        mention_id=f"mastodon:test:{n}",
        native_id=str(n),
        source=Source(kind="mastodon", instance="test"),
        text=f"Plage polluée, une honte {n}" if negative else f"Belle journée {n}",
        author=Author(handle=f"user{n}", followers=100),
        published_at=at,
        collected_at=at + timedelta(seconds=10),
        territory_id=territory_id,
        detected_language="fr",
        sentiment="negative" if negative else "neutral",
        scores=SentimentScores(negative=0.8, neutral=0.1, positive=0.1)
        if negative
        else SentimentScores(negative=0.1, neutral=0.8, positive=0.1),
        model="test",
    )


def value_of(item: ScoredMention) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(encode(MENTIONS_SCORED, item, source="/tests").value)
    return data


HEADERS = [(k, v) for k, v in encode(MENTIONS_SCORED, mention(0, START), source="/tests").headers if k != "ce_id"]


def records_of(values: Sequence[bytes | None], partition: int = 0) -> list[InboundRecord]:
    return [
        InboundRecord(
            MENTIONS_SCORED, partition, offset, TERRITORY.encode(), value, [*HEADERS, upstream_header(0, offset)]
        )
        for offset, value in enumerate(values)
    ]


def detection_step(territories: TerritoryConfig) -> EngineDetectionStep:
    digests = CheckpointedDigests(DigestStreamStep(territories.territories, DigestOptions(grace=timedelta(minutes=5))))
    return EngineDetectionStep(territories, lambda: START, digests=digests)


def assert_each_record_applied_or_dead_lettered(
    records: Sequence[InboundRecord], outcome: DetectionOutcome, table: dict[str, bytes]
) -> None:
    letters = {letter.offset: letter for letter in outcome.dead_letters}
    assert len(letters) == len(outcome.dead_letters), "one dead letter per failed record"
    assert all(letter.reason for letter in letters.values())
    assert set(letters) <= {record.offset for record in records}
    # Every other record is applied: the partition's commit record covers the last offset.
    commit = {w.key: w.value for w in outcome.writes}.get("_partition:0")
    assert entry_offset(commit) == records[-1].offset
    for write in outcome.writes:
        table[write.key] = write.value


def test_a_mention_dated_year_one_in_kiribati_time_fails_nothing(territories: TerritoryConfig) -> None:
    values = [value_of(mention(n, START + timedelta(minutes=n))) for n in range(30)]
    values[10]["published_at"] = "0001-01-01T00:00:00+14:00"
    values[20]["published_at"] = "9999-12-31T23:59:59-14:00"
    values[20]["collected_at"] = "9999-12-31T23:59:59-14:00"
    records = records_of([json.dumps(v).encode() for v in values])
    step = detection_step(territories)
    table: dict[str, bytes] = {}
    outcome = step.process(records, table)
    assert_each_record_applied_or_dead_lettered(records, outcome, table)
    assert len(outcome.dead_letters) <= 2  # implausible dates; late, or rejected by the schema


def test_values_that_break_the_parser_are_dead_letters_and_their_neighbours_count(
    territories: TerritoryConfig,
) -> None:
    values: list[bytes | None] = [
        json.dumps(value_of(mention(n, START + timedelta(seconds=n)))).encode() for n in range(40)
    ]
    values[5] = b"[" * 2000
    huge = value_of(mention(99, START))
    values[15] = (
        json.dumps(huge, separators=(",", ":")).replace('"followers":100', '"followers":' + "9" * 5000).encode()
    )
    values[25] = None
    values[35] = b"\xff\xfe"
    records = records_of(values)
    step = detection_step(territories)
    table: dict[str, bytes] = {}
    outcome = step.process(records, table)
    assert_each_record_applied_or_dead_lettered(records, outcome, table)
    assert sorted(letter.offset for letter in outcome.dead_letters) == [5, 15, 25, 35]
    assert {letter.error_class for letter in outcome.dead_letters} <= {"decode", "validation", "oversize"}


@st.composite
def hostile_values(draw: st.DrawFn) -> bytes | None:
    kind = draw(st.sampled_from(["bytes", "mention", "mention", "mention"]))
    if kind == "bytes":
        return draw(st.none() | st.binary(max_size=64) | st.sampled_from([b"[" * 3000, b"{" * 3000, b"1" * 5000]))
    n = draw(st.integers(0, 10**6))
    data = value_of(mention(n, START + timedelta(minutes=draw(st.integers(0, 600)))))
    zone = timezone(timedelta(minutes=draw(st.integers(-14 * 60, 14 * 60))))
    extreme = st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)).map(lambda d: d.replace(tzinfo=zone))
    if draw(st.booleans()):
        data["published_at"] = draw(extreme).isoformat()
    if draw(st.booleans()):
        data["collected_at"] = draw(extreme).isoformat()
    if draw(st.booleans()):
        data["author"]["followers"] = draw(st.integers(0, 10**40) | st.just(10**4000))
    if draw(st.booleans()):
        data["text"] = draw(st.sampled_from(["", " ", "x" * 100_000]) | st.text(max_size=200))
    if draw(st.booleans()):
        data["territory_id"] = draw(st.sampled_from(["atlantis", "nice", "tours", "lyon"]) | st.text(max_size=20))
    if draw(st.booleans()):
        data["mention_id"] = draw(st.sampled_from(["mastodon:test:1", "mastodon:test:2"]))  # duplicates
    return json.dumps(data).encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(values=st.lists(hostile_values(), min_size=2, max_size=12))
def test_any_records_are_applied_or_dead_lettered_never_raised(
    territories: TerritoryConfig, values: list[bytes | None]
) -> None:
    records = records_of(values)
    step = detection_step(territories)
    table: dict[str, bytes] = {}
    half = len(records) // 2
    for batch in (records[:half], records[half:]):  # two batches: the second reads what the first checkpointed
        outcome = step.process(batch, table)
        assert_each_record_applied_or_dead_lettered(batch, outcome, table)
