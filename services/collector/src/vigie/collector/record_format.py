"""The mention input format shared by file replay and the webhook (JSON objects; CSV rows for replay).

JSON (one object per line for replay; an object, an array or ``{"mentions": [...]}`` for the webhook):

===================  ========  ====================================================================
field                required  meaning
===================  ========  ====================================================================
``text``             yes       the post / article text (longer than 20,000 characters: cut)
``published_at``     yes       ISO 8601 event time; without an offset it is taken as UTC
``id``/``native_id`` no        the id the origin gives the post; default: a hash of text, time, author
``title``            no        headline of an article
``url``              no        http(s) link
``language``         no        BCP 47 tag declared by the origin (``fr``, ``en-GB``)
``author``           no        ``{"id", "handle", "display_name", "followers"}`` (or flat
                               ``author_id``, ``author_handle``, ``author_name``, ``followers``)
``engagement``       no        ``{"likes", "shares", "replies"}`` (or flat ``likes``, ``shares``, ``replies``)
``territory_id``     no        skip matching and emit for this territory (``territories``: a list);
                               ``matched_terms`` may say why
``source``           no        replay only: ``{"kind", "instance"}`` of the original collection, so a
                               file exported from ``vigie.mentions.raw.v1`` keeps its mention ids
``extra``            no        flat object of strings / numbers / booleans (at most 32 fields)
===================  ========  ====================================================================

A payload of ``vigie.mentions.raw.v1`` is a valid line (its other fields, such as ``mention_id`` or
``collected_at``, are ignored: the mention id is rebuilt identically from source and native id).

CSV (replay): a header row naming columns among ``id, published_at, text, title, url, language,
author_id, author_handle, author_name, followers, likes, shares, replies, territory_id, source_kind,
source_instance`` (one row per line: no line breaks inside cells); ``text`` and ``published_at`` are
required; ``territory_id`` may hold several ids separated by ``|``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vigie.collector.items import CollectedItem
from vigie.schemas import SourceKind
from vigie.schemas.codec import describe

ExtraValue = str | int | float | bool | None


class InvalidRecordError(ValueError):
    """A record of the input format that cannot become an item; ``reason`` goes to the dead-letter topic."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Author(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str | int | None = None
    handle: str | None = None
    display_name: str | None = None
    followers: int | None = None


class _Engagement(BaseModel):
    model_config = ConfigDict(extra="ignore")
    likes: int = 0
    shares: int = 0
    replies: int = 0


class _Source(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: SourceKind
    instance: Annotated[str, Field(min_length=1, max_length=256)]


class MentionInput(BaseModel):
    """One mention as integrators and replay files write it (see the module docstring)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    native_id: Annotated[str, Field(min_length=1, max_length=400)] | None = Field(default=None, validation_alias="id")
    text: str
    published_at: datetime
    title: str | None = None
    url: str | None = None
    language: str | None = None
    author: _Author | None = None
    author_id: str | int | None = None
    author_handle: str | None = None
    author_name: str | None = None
    followers: int | None = None
    engagement: _Engagement | None = None
    likes: int = 0
    shares: int = 0
    replies: int = 0
    territory_id: str | None = None
    territories: tuple[str, ...] = ()
    matched_terms: tuple[str, ...] = ()
    source: _Source | None = None
    extra: dict[str, ExtraValue] = Field(default_factory=dict)

    @field_validator("native_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


def _input(data: Mapping[str, Any]) -> MentionInput:
    if not isinstance(data, Mapping):
        raise InvalidRecordError(f"a mention must be a JSON object, not {type(data).__name__}")
    values = dict(data)
    if "native_id" in values and "id" not in values:
        values["id"] = values.pop("native_id")
    try:
        return MentionInput.model_validate(values)
    except ValidationError as exc:
        raise InvalidRecordError(describe(exc)) from None


def item_from_record(
    data: Mapping[str, Any], *, kind: SourceKind, instance: str, honour_source: bool = False
) -> CollectedItem:
    """An item from one record; raise :class:`InvalidRecordError` with the reason otherwise."""
    record = _input(data)
    author = record.author or _Author()
    engagement = record.engagement or _Engagement(likes=record.likes, shares=record.shares, replies=record.replies)
    published = record.published_at if record.published_at.tzinfo else record.published_at.replace(tzinfo=UTC)
    author_id = author.id if author.id is not None else record.author_id
    author_handle = author.handle or record.author_handle
    if honour_source and record.source is not None:
        kind, instance = record.source.kind, record.source.instance
    native_id = record.native_id
    if native_id is None:
        basis = f"{published.isoformat()}\n{author_handle or author_id or ''}\n{record.text}"
        native_id = "sha256-" + hashlib.sha256(basis.encode("utf-8", errors="surrogatepass")).hexdigest()[:32]
    territories = tuple(dict.fromkeys((*([record.territory_id] if record.territory_id else []), *record.territories)))
    return CollectedItem(
        kind=kind,
        instance=instance,
        native_id=native_id,
        text=record.text,
        published_at=published,
        title=record.title,
        url=record.url,
        language=record.language,
        author_id=str(author_id) if author_id is not None else None,
        author_handle=author_handle,
        author_name=author.display_name or record.author_name,
        author_followers=author.followers if author.followers is not None else record.followers,
        likes=engagement.likes,
        shares=engagement.shares,
        replies=engagement.replies,
        preset_territories=territories,
        preset_terms=record.matched_terms if territories else (),
        extra=dict(record.extra),
    )


_CSV_INTS = ("followers", "likes", "shares", "replies")


def record_from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """A CSV row as a JSON-format record (empty cells are absent)."""
    record: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
    for column in _CSV_INTS:
        if column in record:
            try:
                record[column] = int(str(record[column]))
            except ValueError:
                raise InvalidRecordError(f"column {column!r} is not an integer: {record[column]!r}") from None
    if "territory_id" in record:
        record["territories"] = [t.strip() for t in str(record.pop("territory_id")).split("|") if t.strip()]
    kind, instance = record.pop("source_kind", None), record.pop("source_instance", None)
    if kind and instance:
        record["source"] = {"kind": kind, "instance": instance}
    return record
