"""Polling Graph API edges (Facebook, Instagram, Threads) page by page against a per-edge time cursor.

An edge is read newest first, following ``paging.next`` up to ``max_pages`` pages, and stops at the first page
holding an item older than the edge's cursor. Items are handed over oldest first. The cursor of an edge moves
only once the whole edge was read, to the newest item time seen (see :mod:`.time_cursor`), and is saved by
the pipeline only after the broker acknowledged the batch: a crash mid-edge reads the edge again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.sources.base import PollingSource
from vigie.collector.sources.graph_api import GraphUsageGate, edge_page, graph_get
from vigie.collector.sources.time_cursor import TimeCursor
from vigie.runtime.clock import Clock

Convert = Callable[[Any], CollectedItem | RejectedInput | list[CollectedItem | RejectedInput]]


def tracked_times(saved: Any) -> dict[str, float]:
    """The ``{id: epoch seconds}`` of the posts or media whose comments a source follows, read back from its
    saved cursor (anything else than such a mapping: none)."""
    if not isinstance(saved, dict):
        return {}
    return {str(key): float(value) for key, value in saved.items() if isinstance(value, int | float)}


def newest_within(times: dict[str, float], horizon: float, limit: int) -> dict[str, float]:
    """The at most ``limit`` newest entries of ``times`` published at or after ``horizon``, newest first: the
    posts or media whose comments are still read."""
    followed = sorted(((when, key) for key, when in times.items() if when >= horizon), reverse=True)
    return {key: when for when, key in followed[:limit]}


class GraphEdgeSource(PollingSource):
    """Shared reading of one account's edges with one token (subclasses say which edges)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        token: str,
        api_url: str,
        interval_s: float,
        max_pages: int = 10,
        limit: int = 50,
    ) -> None:
        super().__init__(clock, interval_s)
        self.client = client
        self._token = token
        self.api_url = api_url.rstrip("/")
        self.max_pages = max_pages
        self.limit = limit
        self.gate = GraphUsageGate(clock)
        self.cursor = TimeCursor()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, token=***)"

    async def get(self, path_or_url: str, params: dict[str, str] | None, what: str) -> dict[str, Any]:
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else f"{self.api_url}{path_or_url}"
        return await graph_get(self.client, url, params, self._token, self.gate, what)

    async def read_edge(
        self,
        batch: Batch,
        key: str,
        path: str,
        params: dict[str, str],
        convert: Convert,
        *,
        send_since: bool = True,
    ) -> list[CollectedItem]:
        """Read one edge into ``batch`` (see the module docstring); returns the new items, oldest first."""
        query = {**params, "limit": str(self.limit)}
        since = self.cursor.since(key)
        if since is not None and send_since:
            query["since"] = str(int(since))
        url: str | None = f"{self.api_url}{path}"
        taken: list[CollectedItem] = []
        pages = 0
        first = True
        while url is not None and pages < self.max_pages:
            data = await self.get(url, query if first else None, f"{self.name} {key}")
            first = False
            pages += 1
            raws, url = edge_page(data, f"{self.name} {key}", self.api_url)
            reached_old = False
            for raw in raws:
                converted = convert(raw)
                for item in converted if isinstance(converted, list) else [converted]:
                    if isinstance(item, RejectedInput):
                        batch.rejected.append(item)
                        continue
                    when = item.published_at.timestamp()
                    if self.cursor.is_old(key, when):
                        reached_old = True
                        continue
                    taken.append(item)
            if reached_old:
                break
        taken.reverse()
        batch.items.extend(taken)
        now = self.clock.time()
        for item in taken:
            self.cursor.advance(key, item.published_at.timestamp(), now)
        return taken
