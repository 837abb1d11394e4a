"""The codec: JSON values, CloudEvents binary-mode headers, one classified error for bad records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.schemas import (
    ALERTS,
    MAX_VALUE_BYTES,
    MENTIONS_RAW,
    AlertEvent,
    DecodeError,
    RawMention,
    decode,
    encode,
)
from vigie.schemas.generate import EXAMPLES_DIR


def _example(topic: str, name: str) -> dict[str, object]:
    return json.loads(Path(EXAMPLES_DIR / topic / f"{name}.json").read_text(encoding="utf-8"))


def test_mention_is_keyed_by_territory_with_cloudevents_headers() -> None:
    mention = RawMention.model_validate(_example(MENTIONS_RAW, "social-post"))
    record = encode(MENTIONS_RAW, mention, source="/vigie/collector")
    assert record.key == b"saint-malo"
    assert record.header("ce_specversion") == "1.0"
    assert record.header("ce_type") == "org.vigie.mention.raw.v1"
    assert record.header("ce_source") == "/vigie/collector"
    assert record.header("ce_subject") == "saint-malo"
    assert record.header("ce_id") == f"{mention.mention_id}@saint-malo"
    assert record.header("ce_time") == mention.published_at.isoformat()
    assert record.header("content-type") == "application/json"


def test_alert_type_names_the_transition_and_key_is_the_incident() -> None:
    alert = AlertEvent.model_validate(_example(ALERTS, "resolved"))
    record = encode(ALERTS, alert, source="/vigie/classifier")
    assert record.header("ce_type") == "org.vigie.alert.resolved.v1"
    assert record.key == alert.incident_id.encode()


def test_encoding_the_wrong_model_for_a_topic_is_a_programming_error() -> None:
    alert = AlertEvent.model_validate(_example(ALERTS, "raised"))
    with pytest.raises(TypeError):
        encode(MENTIONS_RAW, alert, source="/vigie/test")


@pytest.mark.parametrize(
    ("value", "error_class", "fragment"),
    [
        (None, "decode", "tombstone"),
        (b"\xff\xfe not utf-8", "decode", "not UTF-8"),
        (b'{"mention_id": ', "decode", "not JSON"),
        (b'{"mention_id": "x"}', "validation", "invalid RawMention"),
        (b"[]", "validation", "invalid RawMention"),
        (b" " * (MAX_VALUE_BYTES + 1), "oversize", "exceeds"),
    ],
)
def test_bad_records_raise_one_classified_error(value: bytes | None, error_class: str, fragment: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(MENTIONS_RAW, value)
    assert caught.value.error_class == error_class
    assert fragment in caught.value.reason
    assert MENTIONS_RAW in caught.value.reason or error_class == "oversize"


def test_wrong_content_type_is_rejected() -> None:
    mention = RawMention.model_validate(_example(MENTIONS_RAW, "social-post"))
    record = encode(MENTIONS_RAW, mention, source="/x")
    headers = [(k, v) for k, v in record.headers if k != "content-type"] + [("content-type", b"application/avro")]
    with pytest.raises(DecodeError, match="content-type"):
        decode(MENTIONS_RAW, record.value, headers)


def test_naive_timestamps_are_rejected() -> None:
    data = _example(MENTIONS_RAW, "social-post")
    data["published_at"] = "2026-07-14T09:30:00"
    with pytest.raises(DecodeError, match="published_at"):
        decode(MENTIONS_RAW, json.dumps(data).encode())


def test_extra_fields_are_bounded() -> None:
    data = _example(MENTIONS_RAW, "social-post")
    data["extra"] = {f"k{i}": i for i in range(40)}
    with pytest.raises(DecodeError, match="at most 32 extra fields"):
        decode(MENTIONS_RAW, json.dumps(data).encode())


def test_models_are_frozen() -> None:
    mention = RawMention.model_validate(_example(MENTIONS_RAW, "social-post"))
    with pytest.raises(ValueError, match="frozen"):
        mention.text = "changed"  # type: ignore[misc]
