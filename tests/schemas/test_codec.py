"""The codec: JSON values, CloudEvents binary-mode headers, one classified error for bad records."""

from __future__ import annotations

import json
from datetime import datetime
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


def _edge_values() -> list[bytes]:
    """Values where a JSON parser may disagree with ``bytes.decode`` + ``json.loads``."""
    good = json.dumps(_example(MENTIONS_RAW, "social-post"))
    body = good[:-1]
    return [
        good.encode(),
        b"  " + good.encode() + b"\n ",
        b"\xef\xbb\xbf" + good.encode(),  # UTF-8 byte order mark
        good.encode() + b" trailing",
        good.replace('"text": "', '"text": "\\ud800', 1).encode(),  # lone surrogate escape
        good.replace('"text": "', '"text": "\\ud83d\\ude00', 1).encode(),  # escaped surrogate pair
        good.replace('"text": "', '"text": "\xed\xa0\x80', 1).encode("utf-8", "surrogateescape"),
        good.encode().replace(b'"text": "', b'"text": "\xc0\xaf', 1),  # overlong UTF-8
        good.replace('"text": "', '"text": "\\u0000\t', 1).encode(),  # raw control character
        (body + ', "text": "second"}').encode(),  # duplicate key: the last one wins
        (body + ', "extra": {"a": NaN, "b": Infinity, "c": 1e400, "d": -0.0, "e": 1.0, "f": 10}}').encode(),
        (body + ', "extra": {"big": 123456789012345678901234567890}}').encode(),
        (body + ', "engagement": {"likes": 1.0, "shares": "2", "replies": 0}}').encode(),
        (body + ', "engagement": {"likes": 1.5}}').encode(),
        good.replace('"published_at": "', '"published_at": "x', 1).encode(),
        b"[]",
        b"null",
        b"",
    ]


@pytest.mark.parametrize("value", _edge_values())
def test_decoding_gives_the_verdict_of_utf8_then_json_then_the_model(value: bytes) -> None:
    """The codec validates straight from the bytes; the answer is that of the step-by-step checks (where a
    lone surrogate escape, which Python's ``json`` accepts, makes a value that is not JSON text)."""
    try:
        data = json.loads(value.decode("utf-8"))
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError: a lone surrogate
        expected: RawMention | str = RawMention.model_validate(data)
    except UnicodeEncodeError:
        expected = "not JSON"
    except UnicodeDecodeError:
        expected = "not UTF-8"
    except json.JSONDecodeError:
        expected = "not JSON"
    except ValueError:  # pydantic's ValidationError
        expected = "invalid RawMention"
    try:
        decoded: RawMention | str = decode(MENTIONS_RAW, value)
    except DecodeError as error:
        assert isinstance(expected, str), error.reason
        assert expected in error.reason
        return
    assert isinstance(expected, RawMention) and isinstance(decoded, RawMention)
    assert decoded.model_dump_json() == expected.model_dump_json()
    assert repr(decoded) == repr(expected)


@pytest.mark.parametrize(
    ("topic", "name", "time_field"),
    [
        (MENTIONS_RAW, "social-post", "published_at"),
        (ALERTS, "raised", "event_time"),
        ("vigie.deadletter.v1", None, "failed_at"),
        ("vigie.digests.v1", None, "event_time"),
        ("vigie.deliveries.v1", None, "at"),
    ],
)
def test_cloudevents_time_is_the_payload_event_time(topic: str, name: str | None, time_field: str) -> None:
    examples = sorted(Path(EXAMPLES_DIR / topic).glob("*.json"))
    for path in examples if name is None else [Path(EXAMPLES_DIR / topic / f"{name}.json")]:
        payload = decode(topic, path.read_bytes())
        candidates = ["event_time", "published_at", "at", "failed_at"]
        fields = [f for f in candidates if isinstance(getattr(payload, f, None), datetime)]
        assert fields[0] == time_field
        for _ in range(2):  # the second time from the per-model cache
            assert encode(topic, payload, source="/x").header("ce_time") == getattr(payload, time_field).isoformat()
