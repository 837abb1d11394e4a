"""Reading what a platform sends (Mastodon statuses, Jetstream frames, Reddit listings) without trusting it.

A field may hold anything JSON can: the wrong type, a 5,000-digit number, ``1e400``, nesting a thousand levels
deep, text with a lone surrogate. These helpers turn such values into what an item needs, or into a
``ValueError`` that dead-letters the one item, never into an exception that stops the source.
"""

from __future__ import annotations

import json
import math
from typing import Any

from vigie.collector.items import RejectedInput
from vigie.schemas import SourceKind

#: Characters of an item kept in its dead letter.
PREVIEW_CHARS = 4096


def invalid(kind: SourceKind, instance: str, what: str, raw: Any, exc: Exception) -> RejectedInput:
    """The dead letter of one item a source could not read (it fails only itself): the reason ``invalid <what>:
    <exception type>: <message>``, the message cut at 300 characters, and a :func:`preview` of the item."""
    reason = f"invalid {what}: {type(exc).__name__}: {str(exc)[:300]}"
    return RejectedInput(kind, instance, "validation", reason, preview(raw))


def loads(data: str | bytes) -> Any:
    """``json.loads`` whose every failure is a ``ValueError`` (nesting too deep for the parser included).

    Lone surrogate escapes are accepted: the pipeline repairs such text from a platform (U+FFFD)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def preview(value: Any) -> bytes:
    """At most :data:`PREVIEW_CHARS` characters of ``value`` as JSON, as UTF-8 bytes; never raises."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):  # an integer beyond the int-str limit, deep nesting
        text = f"<unprintable {type(value).__name__}>"
    return text[:PREVIEW_CHARS].encode("utf-8", errors="backslashreplace")


def text(value: Any) -> str | None:
    """``value`` if it is a string, else None."""
    return value if isinstance(value, str) else None


def identifier(value: Any, what: str) -> str:
    """A native id: a non-empty string, or an integer written in decimal; ``ValueError`` otherwise."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)
    raise ValueError(f"{what} is not a string or a short integer")


def count(value: Any) -> int | None:
    """A non-negative count from an integer, a finite number or a string of at most 30 digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 30:
        return int(value)
    return None
