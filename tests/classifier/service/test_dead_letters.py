"""Records the classifier cannot use become dead letters naming where they were and why."""

from __future__ import annotations

from datetime import UTC, datetime

from vigie.classifier.dead_letters import from_decode_error, from_processing_error
from vigie.classifier.service.records import InboundRecord
from vigie.classifier.service.scoring_step import decode_raw
from vigie.schemas import DEADLETTER, MENTIONS_RAW, DeadLetter, DecodeError, encode

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def record(value: bytes | None, key: bytes | None = b"nice", offset: int = 7) -> InboundRecord:
    return InboundRecord(topic=MENTIONS_RAW, partition=2, offset=offset, key=key, value=value)


def test_decode_errors_keep_their_class_and_reason_and_the_record_position() -> None:
    letter = from_decode_error(record(b"{oops"), DecodeError("decode", "value is not JSON"), failed_at=NOW)
    assert (letter.topic, letter.partition, letter.offset) == (MENTIONS_RAW, 2, 7)
    assert (letter.error_class, letter.reason, letter.service) == ("decode", "value is not JSON", "classifier")
    assert (letter.key_preview, letter.value_preview, letter.value_size) == ("nice", "{oops", 5)
    encoded = encode(DEADLETTER, letter, source="/vigie/classifier")
    assert encoded.key == MENTIONS_RAW.encode()


def test_previews_are_bounded_and_printable() -> None:
    letter = from_processing_error(record(b"\xff" * 5000, key=None), ValueError("boom"), failed_at=NOW)
    assert letter.error_class == "processing" and letter.reason == "ValueError: boom"
    assert letter.value_size == 5000 and letter.key_preview is None
    assert letter.value_preview.startswith("\\xff") and len(letter.value_preview) <= 4 * 1024
    DeadLetter.model_validate_json(letter.model_dump_json())


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
