"""Hostile records: the codec is total. Any bytes give a model or a classified DecodeError, and a decoded
model encodes back to the same model (no lone surrogate, overflowing date or non-finite number gets in)."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigie.schemas import MENTIONS_RAW, TOPICS, DecodeError, ErrorClass, RawMention, decode, decode_as, encode
from vigie.schemas.codec import MAX_JSON_DEPTH
from vigie.schemas.generate import EXAMPLES_DIR

ERROR_CLASSES = set(get_args(ErrorClass))
EXAMPLES = {
    name: json.loads(path.read_text(encoding="utf-8"))
    for name in TOPICS
    for path in sorted((EXAMPLES_DIR / name).glob("*.json"))[:1]
}
SOCIAL_POST = json.loads(Path(EXAMPLES_DIR / MENTIONS_RAW / "social-post.json").read_text(encoding="utf-8"))


def _with(**fields: Any) -> bytes:
    return json.dumps({**SOCIAL_POST, **fields}).encode()


def _field_raw(name: str, raw: bytes) -> bytes:
    """The social-post example with field ``name`` set to raw JSON text (not expressible with json.dumps)."""
    data = {k: v for k, v in SOCIAL_POST.items() if k != name}
    return json.dumps(data).encode()[:-1] + b', "' + name.encode() + b'": ' + raw + b"}"


def verdict(topic: str, value: bytes | None) -> Any:
    """Decode; on success the model must encode and decode back to itself; on failure, a classified reason."""
    try:
        model = decode(topic, value)
    except DecodeError as error:
        assert error.error_class in ERROR_CLASSES
        assert error.reason and len(error.reason) < 5000
        error.reason.encode("utf-8")  # a reason can always be written to the dead-letter topic
        return error
    record = encode(topic, model, source="/vigie/test")
    assert decode(topic, record.value, record.headers) == model
    return model


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (b"[" * 2000, f"nesting deeper than {MAX_JSON_DEPTH} levels"),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, f"nesting deeper than {MAX_JSON_DEPTH} levels"),
        (b'{"a":' * 80_000 + b"1" + b"}" * 80_000, f"nesting deeper than {MAX_JSON_DEPTH} levels"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "exceeds"),  # 600 kB: over the size limit first
        (_field_raw("extra", b'{"n": ' + b"[" * 3000 + b"]" * 3000 + b"}"), "nesting deeper"),
        (b'{"x": ' + b"9" * 5000 + b"}", "a number of more than 4300 digits"),
        (_field_raw("extra", b'{"n": ' + b"9" * 5000 + b"}"), "a number of more than 4300 digits"),
        (_field_raw("extra", b'{"n": 1' + b"0" * 5000 + b".5}"), "a number of more than 4300 digits"),
    ],
)
def test_deep_nesting_and_huge_numbers_are_decode_errors(value: bytes, fragment: str) -> None:
    """Before: RecursionError (json.loads past the recursion limit) and ValueError (int-str conversion limit)."""
    with pytest.raises(DecodeError) as caught:
        decode(MENTIONS_RAW, value)
    assert caught.value.error_class in ("decode", "oversize")
    assert fragment in caught.value.reason


@pytest.mark.parametrize(
    "value",
    [
        _field_raw("text", b'"\\ud800 lone high"'),
        _field_raw("text", b'"lone low \\udc00"'),
        _field_raw("extra", b'{"a": "\\udc00x"}'),  # accepted by a union member, then unencodable: was a crash
        _field_raw("extra", b'{"\\ud800": 1}'),
        _field_raw("matched_terms", b'["\\ud83d"]'),
    ],
)
def test_lone_surrogates_are_rejected_as_not_json_wherever_they_are(value: bytes) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(MENTIONS_RAW, value)
    assert caught.value.error_class == "decode"
    assert "lone surrogate" in caught.value.reason


def test_nul_and_escaped_surrogate_pairs_are_valid_text() -> None:
    mention = verdict(MENTIONS_RAW, _field_raw("text", b'"nul \\u0000 inside, pair \\ud83d\\ude00"'))
    assert isinstance(mention, RawMention)
    assert mention.text == "nul \x00 inside, pair \U0001f600"


@pytest.mark.parametrize(
    "published_at",
    [
        "0001-01-01T00:00:00+14:00",  # UTC conversion overflows
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:30:00+01:00",  # 1969 in UTC
        "9999-12-31T23:59:59-14:00",  # UTC conversion overflows
        "9000-01-01T00:00:00Z",
    ],
)
def test_instants_outside_1970_to_9000_are_rejected(published_at: str) -> None:
    with pytest.raises(DecodeError, match="published_at"):
        decode(MENTIONS_RAW, _with(published_at=published_at))


def test_instants_at_the_bounds_are_accepted_and_convert_to_utc() -> None:
    for published_at in ("1970-01-01T00:00:00Z", "8999-12-31T23:59:59+14:00", "2026-07-14T09:30:00-12:00"):
        mention = verdict(MENTIONS_RAW, _with(published_at=published_at))
        assert isinstance(mention, RawMention)
        mention.published_at.astimezone(UTC)


@pytest.mark.parametrize(
    "value",
    [
        _field_raw("extra", b'{"a": NaN}'),
        _field_raw("extra", b'{"a": Infinity}'),
        _field_raw("extra", b'{"a": 1e400}'),
        _field_raw("extra", b'{"a": 9007199254740992}'),  # 2**53
        _field_raw("extra", b'{"a": -123456789012345678901234567890}'),
        _field_raw("author", b'{"followers": 1e400}'),
    ],
)
def test_non_finite_and_unsafe_numbers_are_rejected(value: bytes) -> None:
    """Before: accepted, and encoded back as ``null`` (or as integers no float can hold in a free-form field;
    counts stay exact Python integers, however large)."""
    with pytest.raises(DecodeError) as caught:
        decode(MENTIONS_RAW, value)
    assert caught.value.error_class == "validation"


def test_counts_beyond_64_bits_stay_exact() -> None:
    mention = verdict(MENTIONS_RAW, _field_raw("engagement", b'{"likes": 123456789012345678901234567890}'))
    assert mention.engagement.likes == 123456789012345678901234567890


def test_extra_with_a_lone_surrogate_is_a_validation_error_when_built_in_python() -> None:
    """A producer building a mention from text that ``json.loads`` gave it never gets an unencodable model."""
    with pytest.raises(ValueError, match="lone surrogate"):
        RawMention.model_validate({**SOCIAL_POST, "extra": {"a": "\udc00"}})


def test_whatever_a_validator_raises_is_a_decode_error() -> None:
    from pydantic import field_validator

    from vigie.schemas._base import Contract, TimeZoneName

    class Strict(Contract):
        name: str

        @field_validator("name")
        @classmethod
        def _explode(cls, value: str) -> str:
            raise RuntimeError("a validator bug")

    with pytest.raises(DecodeError, match="RuntimeError: a validator bug"):
        decode_as(Strict, b'{"name": "x"}')

    class Zoned(Contract):
        zone: TimeZoneName

    with pytest.raises(DecodeError, match="unknown time zone"):  # before: OSError (file name too long)
        decode_as(Zoned, b'{"zone": "' + b"a" * 10_000 + b'"}')


def test_a_reason_quoting_a_hostile_key_stays_short_and_encodable() -> None:
    key = "k" * 10_000
    with pytest.raises(DecodeError) as caught:
        decode(MENTIONS_RAW, _with(extra={key: 1}))
    assert len(caught.value.reason) < 1000


# --- property-based fuzzing -------------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=()), max_size=40)  # includes lone surrogates
_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**20, max_value=10**6000)
    | st.floats(allow_nan=True, allow_infinity=True)
    | _text
    | st.sampled_from(["0001-01-01T00:00:00+14:00", "2099-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", ""])
)
_json_tree = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4))


def _dumps(value: Any) -> bytes:
    try:
        return json.dumps(value).encode()
    except ValueError:  # an integer beyond Python's int-str limit: write it by hand
        return b"9" * 5000


def _nested(depth: int, kind: str) -> bytes:
    opening, closing = {"array": (b"[", b"]"), "object": (b'{"a":', b"}")}[kind]
    return opening * depth + b"1" + closing * depth


@st.composite
def _mutated_example(draw: st.DrawFn) -> tuple[str, bytes]:
    """A topic's example with one field replaced by a hostile value (reaches the models' validators)."""
    topic = draw(st.sampled_from(sorted(EXAMPLES)))
    example = dict(EXAMPLES[topic])
    field = draw(st.sampled_from(sorted(example)))
    hostile = draw(
        st.one_of(
            _json_tree.map(_dumps),
            st.integers(1, 100_000).flatmap(lambda d: st.sampled_from([_nested(d, "array"), _nested(d, "object")])),
            st.just(b'"' + b"x" * 600_000 + b'"'),
            st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e400", b'"\\ud800"', b'"\\u0000"', b"9" * 5000]),
        )
    )
    data = {k: v for k, v in example.items() if k != field}
    return topic, json.dumps(data).encode()[:-1] + b', "' + field.encode() + b'": ' + hostile + b"}"


_fuzz = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_fuzz
@given(topic=st.sampled_from(sorted(TOPICS)), value=st.binary(max_size=2048))
def test_any_bytes_give_a_model_or_a_decode_error(topic: str, value: bytes) -> None:
    verdict(topic, value)


@_fuzz
@given(topic=st.sampled_from(sorted(TOPICS)), tree=_json_tree)
def test_any_json_tree_gives_a_model_or_a_decode_error(topic: str, tree: Any) -> None:
    verdict(topic, _dumps(tree))


@_fuzz
@given(case=_mutated_example())
def test_examples_with_one_hostile_field_give_a_model_or_a_decode_error(case: tuple[str, bytes]) -> None:
    topic, value = case
    verdict(topic, value)


@_fuzz
@given(depth=st.integers(1, 100_000), kind=st.sampled_from(["array", "object"]))
def test_any_nesting_depth_gives_a_decode_error(depth: int, kind: str) -> None:
    with pytest.raises(DecodeError):
        decode_as(RawMention, _nested(depth, kind))
