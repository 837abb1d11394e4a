"""Batched scoring with the default model: order kept, one poisonous mention dead-lettered alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from vigie.classifier.service.components import load_scorer
from vigie.classifier.service.records import InboundRecord
from vigie.classifier.service.scoring_step import ScoreBatch, score_records
from vigie.schemas import MENTIONS_RAW, RawMention, ScoredMention, encode

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
