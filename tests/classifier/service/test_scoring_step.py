"""Batched scoring with the default model: order kept, one poisonous mention dead-lettered alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from vigie.classifier.scoring import score_mentions
from vigie.classifier.sentiment import Prediction, load_language_identifier
from vigie.classifier.service.components import load_scorer
from vigie.classifier.service.detection_step import upstream_header
from vigie.classifier.service.records import InboundRecord
from vigie.classifier.service.scoring_step import ScoreBatch, score_records, scored_records
from vigie.schemas import MENTIONS_RAW, MENTIONS_SCORED, RawMention, ScoredMention, SentimentScores, encode

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def scorer() -> ScoreBatch:
    return load_scorer()


def records_of(mentions: Sequence[RawMention]) -> list[InboundRecord]:
    out = []
    for offset, mention in enumerate(mentions):
        encoded = encode(MENTIONS_RAW, mention, source="/tests")
        out.append(InboundRecord(MENTIONS_RAW, 0, offset, encoded.key, encoded.value, encoded.headers))
    return out


def test_a_batch_is_scored_in_order_with_the_default_model(kit, scorer) -> None:
    mentions = kit.scenario(["nice", "lyon"], "nice", hours=2, crisis_at_hour=1, crisis_mentions=10)
    outcome = score_records(
        [*records_of(mentions), InboundRecord(MENTIONS_RAW, 0, 999, None, b"[]")], scorer, lambda: NOW
    )
    assert [m.mention_id for _, m in outcome.scored] == [m.mention_id for m in mentions]
    assert [r.offset for r, _ in outcome.scored] == list(range(len(mentions)))
    angry = [m for _, m in outcome.scored if m.text in kit.ANGRY]
    assert angry and all(m.sentiment == "negative" for m in angry)
    assert all(m.detected_language == "fr" and m.model for _, m in outcome.scored)
    assert [(d.offset, d.error_class) for d in outcome.dead_letters] == [(999, "validation")]


def test_a_mention_the_scorer_rejects_is_dead_lettered_without_its_neighbours(kit, scorer) -> None:
    mentions = kit.scenario(["nice"], "nice", hours=2, crisis_mentions=0)[:5]
    poisoned = mentions[2].mention_id

    def fragile(batch: Sequence[RawMention]) -> Sequence[ScoredMention]:
        if any(m.mention_id == poisoned for m in batch):
            raise RuntimeError("cannot score this one")
        return scorer(batch)

    outcome = score_records(records_of(mentions), fragile, lambda: NOW)
    assert [m.mention_id for _, m in outcome.scored] == [m.mention_id for m in mentions if m.mention_id != poisoned]
    assert [(d.offset, d.error_class, d.reason) for d in outcome.dead_letters] == [
        (2, "processing", "RuntimeError: cannot score this one")
    ]


def test_scored_mentions_are_the_models_pydantic_would_construct_and_validate(kit, scorer) -> None:
    mentions = kit.scenario(["nice", "lyon"], "nice", hours=1, crisis_mentions=5)[:20]
    for raw, scored in zip(mentions, scorer(mentions), strict=True):
        expected = ScoredMention.model_construct(
            **dict(raw),
            detected_language=scored.detected_language,
            sentiment=scored.sentiment,
            scores=SentimentScores.model_validate(scored.scores.__dict__),
            model=scored.model,
        )
        assert scored == expected
        assert scored.model_fields_set == expected.model_fields_set
        assert scored.scores.model_fields_set == expected.scores.model_fields_set
        assert list(scored.__dict__) == list(expected.__dict__)
        assert scored.model_dump_json() == expected.model_dump_json()
        assert ScoredMention.model_validate_json(scored.model_dump_json()) == scored


def test_scored_records_carry_the_encoded_mention_and_the_raw_position(kit, scorer) -> None:
    mentions = kit.scenario(["nice"], "nice", hours=1, crisis_mentions=0)[:4]
    outcome = score_records(records_of(mentions), scorer, lambda: NOW)
    records = scored_records(outcome.scored, "/vigie/classifier", upstream_header)
    for record, (raw, mention) in zip(records, outcome.scored, strict=True):
        plain = encode(MENTIONS_SCORED, mention, source="/vigie/classifier")
        assert (record.topic, record.key, record.value) == (plain.topic, plain.key, plain.value)
        assert record.headers == [*plain.headers, upstream_header(raw.partition, raw.offset)]
    assert len({id(record.headers) for record in records}) == len(records)


def test_a_nan_probability_dead_letters_the_mention(kit) -> None:
    class Broken:
        name = "broken-1"

        def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
            return [Prediction("neutral", float("nan"), 1.0, 0.0) for _ in texts]

    identifier = load_language_identifier()
    mentions = kit.scenario(["nice"], "nice", hours=1, crisis_mentions=0)[:2]
    outcome = score_records(
        records_of(mentions), lambda batch: score_mentions(Broken(), identifier, batch), lambda: NOW
    )
    assert outcome.scored == []
    assert [d.error_class for d in outcome.dead_letters] == ["processing", "processing"]


def _hostile_values(mention: RawMention) -> list[bytes]:
    """Values that make parsers raise something else than a validation error: deep nesting, a huge integer."""
    plain = encode(MENTIONS_RAW, mention, source="/tests").value.decode()
    huge = plain.replace('"followers":', '"followers":' + "9" * 5000 + ',"_":', 1)
    return [b"[" * 2000, b'{"a":' * 2000, huge.encode()]


def test_values_that_break_the_parser_are_dead_letters_and_every_other_record_is_scored(kit, scorer) -> None:
    mentions = kit.scenario(["nice", "lyon"], "nice", hours=4, crisis_mentions=40)[:400]
    records = records_of(mentions)
    for index, value in zip((3, 200, 399), _hostile_values(mentions[0]), strict=True):
        records.insert(index, InboundRecord(MENTIONS_RAW, 0, 10_000 + index, None, value))
    outcome = score_records(records, scorer, lambda: NOW)
    assert [m.mention_id for _, m in outcome.scored] == [m.mention_id for m in mentions]
    assert sorted((d.offset, d.error_class) for d in outcome.dead_letters) == [
        (10_003, "decode"),
        (10_200, "decode"),
        (10_399, "decode"),
    ]
    assert all(d.reason for d in outcome.dead_letters)


def test_a_scorer_that_fails_batches_and_one_mention_dead_letters_only_that_one(kit, scorer) -> None:
    mentions = kit.scenario(["nice"], "nice", hours=4, crisis_mentions=0)[:20]
    poisoned = mentions[17].mention_id

    def picky(batch: Sequence[RawMention]) -> Sequence[ScoredMention]:
        if len(batch) > 1 or batch[0].mention_id == poisoned:
            raise RecursionError("maximum recursion depth exceeded")
        return scorer(batch)

    outcome = score_records(records_of(mentions), picky, lambda: NOW)
    assert [m.mention_id for _, m in outcome.scored] == [m.mention_id for m in mentions if m.mention_id != poisoned]
    assert [(d.offset, d.error_class) for d in outcome.dead_letters] == [(17, "processing")]
    assert outcome.failures == {"scoring": 1}


def test_a_collection_time_later_than_the_record_itself_is_restamped(kit, scorer) -> None:
    from datetime import timedelta

    mentions = kit.scenario(["nice"], "nice", hours=2, crisis_mentions=0)[:3]
    forged = mentions[1].model_copy(
        update={"published_at": datetime(2099, 1, 1, tzinfo=UTC), "collected_at": datetime(2099, 1, 1, tzinfo=UTC)}
    )
    written_at = NOW.timestamp()
    records = [
        InboundRecord(r.topic, r.partition, r.offset, r.key, r.value, r.headers, timestamp=written_at)
        for r in records_of([mentions[0], forged, mentions[2]])
    ]
    outcome = score_records(records, scorer, lambda: NOW, max_clock_skew=timedelta(minutes=5))
    collected = [m.collected_at for _, m in outcome.scored]
    assert collected == [mentions[0].collected_at, NOW, mentions[2].collected_at]
    assert outcome.scored[1][1].published_at == datetime(2099, 1, 1, tzinfo=UTC)  # detection clamps it
