"""A per-listing time cursor: the publication time of the newest item emitted from each listing.

Items strictly older than their listing's cursor are skipped when read again; items of the cursor's own second
are read again and dropped by the dedup journal. A time later than the collector's clock plus
:data:`MAX_CURSOR_SKEW_S` never moves the cursor (a post dated 2096 must not hide every real post after it).
"""

from __future__ import annotations

from typing import Any

#: How far ahead of our clock an item's time may move the cursor.
MAX_CURSOR_SKEW_S = 300.0


class TimeCursor:
    """Newest emitted time (unix seconds) per listing key, saved in the source's cursor as ``{"newest": ...}``."""

    def __init__(self) -> None:
        self.newest: dict[str, float] = {}

    def restore(self, saved: Any) -> None:
        self.newest = {}
        if isinstance(saved, dict):
            for key, value in saved.items():
                if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
                    self.newest[str(key)] = float(value)

    def since(self, key: str) -> float | None:
        return self.newest.get(key)

    def is_old(self, key: str, when: float) -> bool:
        """Was an item of ``key`` at ``when`` already covered by an acknowledged read?"""
        newest = self.newest.get(key)
        return newest is not None and when < newest

    def advance(self, key: str, when: float, now: float) -> None:
        if self.newest.get(key, float("-inf")) < when <= now + MAX_CURSOR_SKEW_S:
            self.newest[key] = when

    def forget(self, keep: set[str], prefix: str) -> None:
        """Drop the keys starting with ``prefix`` that are not in ``keep`` (posts no longer followed)."""
        for key in [k for k in self.newest if k.startswith(prefix) and k not in keep]:
            del self.newest[key]

    def saved(self) -> dict[str, float]:
        return dict(self.newest)
