"""The stream step (per partition, watermark-driven) gives the offline digests, however records are batched."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from vigie.digest import DigestAccumulator, DigestOptions, DigestStreamStep
from vigie.schemas import DigestEvent, ScoredMention


def offline(mentions: list[ScoredMention], kit: type) -> list[str]:
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",)))
    for mention in mentions:
        accumulator.observe(mention)
    return [d.model_dump_json() for d in accumulator.flush()]


@pytest.mark.parametrize("batch", [1, 7, 1000])
def test_batching_does_not_change_the_digests(stream: list[ScoredMention], kit: type, batch: int) -> None:
    # A mention of the next day moves the watermark past the end of 14 July (+ grace): both days close.
    tomorrow = kit.scored("next", text="x", published_at=datetime(2026, 7, 15, 12, tzinfo=UTC))
    mentions = [*stream, tomorrow]
    step = DigestStreamStep([kit.territory], DigestOptions(periods=("day",), deduplicate=False))
    emitted: list[DigestEvent] = []
    for start in range(0, len(mentions), batch):
        emitted += step.process(0, mentions[start : start + batch])
    assert [d.model_dump_json() for d in emitted] == offline(mentions, kit)[:2]
    # Without deduplication (the service skips redeliveries by offsets) no mention id is kept in the state.
    open_aggregates = [a for t in step.state(0)["territories"].values() for a in t["aggregates"].values()]
    assert open_aggregates and all(aggregate["seen"] == [] for aggregate in open_aggregates)


def test_alerts_of_the_batch_and_late_mentions(stream: list[ScoredMention], kit: type) -> None:
    step = DigestStreamStep([kit.territory], DigestOptions(periods=("day",)))
    opened = datetime(2026, 7, 14, 9, tzinfo=UTC)
    step.process(0, stream, [kit.alert("sm:1", 0, "raised", opened, opened_at=opened)])
    [digest] = step.process(0, [kit.scored("next", text="x", published_at=datetime(2026, 7, 15, 12, tzinfo=UTC))])
    assert digest.digest_id == "saint-malo:day:2026-07-14" and [i.incident_id for i in digest.incidents] == ["sm:1"]
    assert step.process(0, [kit.scored("late", text="x", published_at=opened)]) == []
    assert step.late_mentions == 1
    step.restore(1, json.loads(json.dumps(step.state(0))))
    assert step.partitions[1].open_periods() == step.partitions[0].open_periods()
    step.forget(1)
    assert 1 not in step.partitions
