"""The one codec every service uses: JSON values with CloudEvents binary-mode headers.

Encoding a payload for a topic gives its key, its JSON value and the headers ``ce_specversion``, ``ce_id``,
``ce_type``, ``ce_source``, ``ce_time``, ``ce_subject`` and ``content-type`` (CloudEvents Kafka protocol
binding, binary content mode). Decoding checks size, UTF-8, JSON and the model, and raises one
:class:`~vigie.schemas.errors.DecodeError` whose ``error_class`` and ``reason`` go to the dead-letter topic.

Decoding is total: ANY bytes give either a model or a :class:`DecodeError` (never a ``RecursionError``,
``ValueError`` or ``UnicodeError``). A value is validated straight from its bytes by pydantic's JSON
parser, which refuses, besides invalid UTF-8 and invalid JSON, what Python's ``json`` would accept and
then choke on: nesting deeper than :data:`MAX_JSON_DEPTH`, numbers of more than :data:`MAX_NUMBER_DIGITS`
digits, and lone surrogate escapes (``"\\ud800"``: text that could never be encoded as UTF-8 again, so a
producer re-encoding it would crash). ``\\u0000`` is valid text and accepted. Only a refused value is
looked at again, to name the problem; the header bytes that never change are encoded once, and each
model's event-time field is looked up once per model class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import from_json

from vigie.schemas._base import Contract
from vigie.schemas.deadletter import printable as _printable
from vigie.schemas.errors import DecodeError
from vigie.schemas.registry import TopicSpec, topic

T = TypeVar("T", bound=Contract)

#: Largest value accepted on any topic. Larger records are dead-lettered as ``oversize``.
MAX_VALUE_BYTES = 512 * 1024
CONTENT_TYPE = "application/json"
SPEC_VERSION = "1.0"

Headers = list[tuple[str, bytes]]

_SPEC_VERSION_HEADER = ("ce_specversion", SPEC_VERSION.encode())
_CONTENT_TYPE_HEADER = ("content-type", CONTENT_TYPE.encode())
_EVENT_TIME_FIELDS = ("event_time", "published_at", "at", "failed_at")
#: Deepest nesting of arrays and objects the JSON parser accepts (pydantic's parser, jiter: deeper values
#: are refused before any recursion can exhaust the stack). No contract nests deeper than 6.
MAX_JSON_DEPTH = 200
#: Most digits of a JSON number the parser accepts (the same limit as Python's int-from-string conversion).
MAX_NUMBER_DIGITS = 4300
#: per model class, the event-time candidates it has (a missing attribute costs pydantic a raised error)
_event_time_fields: dict[type[Contract], tuple[str, ...]] = {}


@dataclass(frozen=True)
class EncodedRecord:
    """What a producer sends: key, value and headers, ready for aiokafka's ``send``."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


def header_value(headers: Iterable[tuple[str, bytes | None]] | None, name: str) -> str | None:
    """The first header called ``name``, decoded as UTF-8, or None."""
    for key, value in headers or ():
        if key == name and value is not None:
            return value.decode("utf-8", errors="replace")
    return None


def _spec(topic_or_name: TopicSpec | str) -> TopicSpec:
    return topic(topic_or_name) if isinstance(topic_or_name, str) else topic_or_name


def _event_time(payload: Contract) -> datetime:
    model = type(payload)
    fields = _event_time_fields.get(model)
    if fields is None:
        fields = tuple(f for f in _EVENT_TIME_FIELDS if f in model.model_fields or hasattr(model, f))
        _event_time_fields[model] = fields
    for field in fields:
        value = getattr(payload, field, None)
        if isinstance(value, datetime):
            return value
    return datetime.now(UTC)


def encode(topic_or_name: TopicSpec | str, payload: Contract, *, source: str) -> EncodedRecord:
    """Encode ``payload`` for a topic. ``source`` is the CloudEvents source, e.g. ``/vigie/collector``."""
    spec = _spec(topic_or_name)
    if not isinstance(payload, spec.value_model):
        raise TypeError(f"{spec.name} carries {spec.value_model.__name__}, not {type(payload).__name__}")
    value = payload.model_dump_json(exclude_none=False).encode("utf-8")
    headers: Headers = [
        _SPEC_VERSION_HEADER,
        ("ce_id", spec.event_id(payload).encode("utf-8")),
        ("ce_type", spec.event_type(payload).encode("utf-8")),
        ("ce_source", source.encode("utf-8")),
        ("ce_time", _event_time(payload).isoformat().encode()),
        ("ce_subject", spec.subject(payload).encode("utf-8")),
        _CONTENT_TYPE_HEADER,
    ]
    return EncodedRecord(topic=spec.name, key=spec.key_of(payload).encode("utf-8"), value=value, headers=headers)


def decode(topic_or_name: TopicSpec | str, value: bytes | None, headers: Sequence[tuple[str, bytes]] = ()) -> Any:
    """Decode a record of a topic into its model; raise :class:`DecodeError` with a reason otherwise."""
    spec = _spec(topic_or_name)
    return decode_as(spec.value_model, value, headers=headers, topic_name=spec.name)


def decode_as(
    model: type[T],
    value: bytes | None,
    *,
    headers: Sequence[tuple[str, bytes]] = (),
    topic_name: str = "",
) -> T:
    """Decode bytes into ``model``. Headers are checked when present (content type, spec version)."""
    where = f" on {topic_name}" if topic_name else ""
    if value is None:
        raise DecodeError("decode", f"empty record (tombstone){where}: a {model.__name__} was expected")
    if len(value) > MAX_VALUE_BYTES:
        raise DecodeError("oversize", f"value of {len(value)} bytes{where} exceeds {MAX_VALUE_BYTES} bytes")
    content_type = header_value(headers, "content-type")
    if content_type is not None and not content_type.startswith(CONTENT_TYPE):
        raise DecodeError("decode", f"content-type {content_type!r}{where}, expected {CONTENT_TYPE}")
    spec_version = header_value(headers, "ce_specversion")
    if spec_version is not None and spec_version != SPEC_VERSION:
        raise DecodeError("decode", f"ce_specversion {spec_version!r}{where}, expected {SPEC_VERSION}")
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if errors and errors[0]["type"] == "json_invalid":
            problem, detail = _json_problem(value, errors[0]["msg"])
            raise DecodeError("decode", f"value is {problem}{where}: {detail}") from None
        raise DecodeError("validation", f"invalid {model.__name__}{where}: {describe(exc)}") from None
    except Exception as exc:  # a validator that raised something else: still only this record's problem
        reason = f"invalid {model.__name__}{where}: {type(exc).__name__}: {_printable(str(exc))[:300]}"
        raise DecodeError("validation", reason) from None


def load_json(value: bytes) -> Any:
    """Parse JSON bytes with the decoder's parser and limits (for input that is not a topic payload, such as a
    webhook body). Never raises anything but :class:`DecodeError`, ``decode`` class: "not UTF-8: …" or
    "not JSON: …" (nesting deeper than :data:`MAX_JSON_DEPTH`, a number too long, a lone surrogate, a syntax
    error). ``NaN`` and ``Infinity`` are refused; ``1e400`` gives ``inf``, which the models refuse."""
    try:
        return from_json(value, allow_inf_nan=False)
    except ValueError as exc:
        problem, detail = _json_problem(value, str(exc))
        raise DecodeError("decode", f"{problem}: {detail}") from None


def _json_problem(value: bytes, message: str) -> tuple[str, str]:
    """Why the JSON parser refused ``value``: ``("not UTF-8" | "not JSON", detail)``; the detail names nesting
    too deep, a number too long, or gives the parser's own words (a lone surrogate escape, a syntax error)
    with the line and column."""
    try:
        value.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "not UTF-8", str(exc)
    detail = message.removeprefix("Invalid JSON: ")
    if detail.startswith("recursion limit exceeded"):
        detail = f"nesting deeper than {MAX_JSON_DEPTH} levels ({detail})"
    elif detail.startswith("number out of range"):
        detail = f"a number of more than {MAX_NUMBER_DIGITS} digits ({detail})"
    elif "surrogate" in detail or "hex escape" in detail:
        detail = f"a lone surrogate or broken \\u escape, text UTF-8 cannot encode ({detail})"
    return "not JSON", detail


def describe(exc: ValidationError, limit: int = 5) -> str:
    """A one-line, bounded, human-readable summary of a pydantic validation error.

    Field names are cut to 64 characters and lone surrogates in them escaped: the summary quotes input
    (a dictionary key) and must itself stay short and encodable."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    parts = []
    for error in errors[:limit]:
        loc = ".".join(_printable(str(p))[:64] for p in error["loc"]) or "(root)"
        parts.append(f"{loc}: {_printable(error['msg'])[:300]}")
    more = len(errors) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
