"""Records the classifier cannot decode become dead letters naming where they were and why."""

from __future__ import annotations

from datetime import UTC, datetime

from vigie.classifier.service.records import InboundRecord
from vigie.classifier.service.scoring_step import decode_raw
from vigie.schemas import MENTIONS_RAW, encode

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def record(value: bytes | None, key: bytes | None = b"nice", offset: int = 7) -> InboundRecord:
    return InboundRecord(topic=MENTIONS_RAW, partition=2, offset=offset, key=key, value=value)


def test_decoding_a_batch_separates_valid_mentions_from_dead_letters(kit) -> None:
    mention = kit.scenario(["nice"], "nice", hours=1, crisis_mentions=0)[0]
    good = encode(MENTIONS_RAW, mention, source="/tests")
    records = [
        record(good.value, offset=1),
        record(None, offset=2),
        record(b"\xc3\x28", offset=3),
        record(b'{"mention_id": "x"}', offset=4),
        record(b"x" * (512 * 1024 + 1), offset=5),
        InboundRecord(MENTIONS_RAW, 0, 6, b"nice", good.value, headers=(("content-type", b"text/plain"),)),
    ]
    valid, dead = decode_raw(records, lambda: NOW)
    assert [(r.offset, m.mention_id) for r, m in valid] == [(1, mention.mention_id)]
    assert [(d.offset, d.error_class) for d in dead] == [
        (2, "decode"),
        (3, "decode"),
        (4, "validation"),
        (5, "oversize"),
        (6, "decode"),
    ]
    assert "tombstone" in dead[0].reason and "UTF-8" in dead[1].reason and "content-type" in dead[4].reason
