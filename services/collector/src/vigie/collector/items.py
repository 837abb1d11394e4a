"""What sources hand to the pipeline: collected items, rejected inputs and batches with their cursor.

Items are plain data, independent of any source library; the pipeline turns each into one
:class:`~vigie.schemas.RawMention` per matched territory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vigie.schemas import ErrorClass, SourceKind

#: A source's resumable position, JSON-serialisable (``{"since_id": "123"}``, ``{"time_us": 17...}``).
Cursor = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CollectedItem:
    """One post, article or comment as a source saw it."""

    kind: SourceKind
    instance: str
    native_id: str
    text: str
    published_at: datetime
    title: str | None = None
    url: str | None = None
    language: str | None = None
    author_id: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    author_followers: int | None = None
    likes: int = 0
    shares: int = 0
    replies: int = 0
    #: Views or impressions, where the platform reports them.
    views: int | None = None
    #: Source-native id of what this item replies to or comments on (a reply's parent, a comment's post).
    parent_id: str | None = None
    #: Source-native id of the post this item quotes or shares.
    quoted_id: str | None = None
    #: Star rating of a review, 1 to 5 (None for posts).
    rating: float | None = None
    #: Territories decided upstream (a replayed raw mention, a webhook client that matched already):
    #: matching is skipped and these are used with ``preset_terms``.
    preset_territories: tuple[str, ...] = ()
    preset_terms: tuple[str, ...] = ()
    extra: dict[str, str | int | float | bool | None] = field(default_factory=dict)

    @property
    def mention_key(self) -> str:
        """``<kind>:<instance>:<native id>``, the stable id of the mention."""
        return f"{self.kind}:{self.instance}:{self.native_id}"


@dataclass(frozen=True, slots=True)
class RejectedInput:
    """Input a source could not turn into an item: it goes to the dead-letter topic with the reason."""

    kind: SourceKind
    instance: str
    error_class: ErrorClass
    reason: str
    raw: bytes = b""


@dataclass(slots=True)
class Batch:
    """Items collected together, and the cursor to persist once the broker has acknowledged them."""

    items: list[CollectedItem] = field(default_factory=list)
    rejected: list[RejectedInput] = field(default_factory=list)
    cursor: Cursor | None = None
    #: Problems met while reading that did not stop the read (a truncated feed whose first entries parsed):
    #: ``(reason label, message)``, counted as fetch errors and logged by the runner.
    problems: list[tuple[str, str]] = field(default_factory=list)
