"""The dead-letter builder every service uses: where the record was, why, bounded printable previews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from vigie.schemas import DEADLETTER, MENTIONS_RAW, DeadLetter, DeadLetterBuilder, DecodeError, describe_failure, encode

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
BUILDER = DeadLetterBuilder("classifier")


@dataclass(frozen=True)
class Record:
    value: bytes | None
    key: bytes | None = b"nice"
    offset: int = 7
    topic: str = MENTIONS_RAW
    partition: int = 2


class HostileError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no")


def test_decode_errors_keep_their_class_and_reason_and_the_record_position() -> None:
    letter = BUILDER.for_decode_error(Record(b"{oops"), DecodeError("decode", "value is not JSON"), failed_at=NOW)
    assert (letter.topic, letter.partition, letter.offset) == (MENTIONS_RAW, 2, 7)
    assert (letter.error_class, letter.reason, letter.service) == ("decode", "value is not JSON", "classifier")
    assert (letter.key_preview, letter.value_preview, letter.value_size) == ("nice", "{oops", 5)
    assert letter.failed_at == NOW
    encoded = encode(DEADLETTER, letter, source="/vigie/classifier")
    assert encoded.key == MENTIONS_RAW.encode()


def test_previews_are_bounded_and_printable() -> None:
    letter = BUILDER.for_processing_error(Record(b"\xff" * 5000, key=None), ValueError("boom"), failed_at=NOW)
    assert letter.error_class == "processing" and letter.reason == "ValueError: boom"
    assert letter.value_size == 5000 and letter.key_preview is None
    assert letter.value_preview.startswith("\\xff") and len(letter.value_preview) <= 4 * 1024
    DeadLetter.model_validate_json(letter.model_dump_json())


def test_reasons_name_the_stage_and_the_undecodable() -> None:
    staged = BUILDER.for_processing_error(Record(b"{}"), KeyError("w"), failed_at=NOW, stage="detection")
    assert staged.reason == "detection: KeyError: 'w'"
    undecodable = BUILDER.for_undecodable(Record(b"[[[["), RecursionError("too deep"), failed_at=NOW)
    assert (undecodable.error_class, undecodable.reason) == ("decode", "undecodable value: RecursionError: too deep")


def test_a_failure_is_described_boundedly_and_never_raises() -> None:
    assert describe_failure(ValueError("x" * 5000)) == "ValueError: " + "x" * 1000
    assert describe_failure(HostileError()) == "HostileError: (message could not be rendered)"
