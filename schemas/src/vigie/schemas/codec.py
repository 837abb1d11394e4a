"""The one codec every service uses: JSON values with CloudEvents binary-mode headers.

Encoding a payload for a topic gives its key, its JSON value and the headers ``ce_specversion``, ``ce_id``,
``ce_type``, ``ce_source``, ``ce_time``, ``ce_subject`` and ``content-type`` (CloudEvents Kafka protocol
binding, binary content mode). Decoding checks size, UTF-8, JSON and the model, and raises one
:class:`~vigie.schemas.errors.DecodeError` whose ``error_class`` and ``reason`` go to the dead-letter topic.

Both are on the classifier's per-mention path, so they take the cheap road where it gives the same result:
a value is validated straight from its bytes by pydantic's own JSON parser (which rejects invalid UTF-8 and
invalid JSON just as ``bytes.decode`` and ``json.loads`` do), and only a value it rejects goes through the
step-by-step checks that name the problem; the header bytes that never change are encoded once, and each
model's event-time field is looked up once per model class.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from vigie.schemas._base import Contract
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
    except ValidationError:
        pass  # the checks below say why (not UTF-8, not JSON or not valid), with the same verdict
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("decode", f"value is not UTF-8{where}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DecodeError("decode", f"value is not JSON{where}: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DecodeError("validation", f"invalid {model.__name__}{where}: {describe(exc)}") from None


def describe(exc: ValidationError, limit: int = 5) -> str:
    """A one-line, bounded, human-readable summary of a pydantic validation error."""
    parts = []
    for error in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in error["loc"]) or "(root)"
        parts.append(f"{loc}: {error['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
