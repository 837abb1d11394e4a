"""Threads: public posts found by keyword search (Threads API ``/keyword_search``, the territory's token).

``GET https://graph.threads.net/v1.0/keyword_search?q=…&search_type=RECENT&since=…&fields=…`` per query
(https://developers.facebook.com/docs/threads/keyword-search), newest first, following ``paging.next``. The
app needs ``threads_basic`` and ``threads_keyword_search`` (without app review, a search only finds the
token owner's own posts). A user may send at most 2,200 queries per rolling 24 hours (queries that find
nothing are not counted): with ``interval_s`` = 600 and 10 queries, a source sends 1,440 a day.

Search results are matched to territories like any post. Replies keep the id of the post they answer
(``replied_to``) as ``parent_id``; quote posts the quoted post's id (``quoted_post``) as ``quoted_id``.
Errors and usage headers are the Graph API's (:mod:`.graph_api`): an expired token (code 190) is a clear
``auth`` error.
"""

from __future__ import annotations

from typing import Any

import httpx

from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.graph_api import THREADS_URL, graph_time
from vigie.collector.sources.graph_edges import GraphEdgeSource
from vigie.runtime.clock import Clock

FIELDS = (
    "id,text,media_type,permalink,timestamp,username,has_replies,is_quote_post,is_reply,"
    "replied_to,quoted_post,link_attachment_url,alt_text,topic_tag"
)
#: The oldest ``since`` the API accepts (2023-07-06, Threads' launch).
MIN_SINCE = 1_688_540_400
Extra = dict[str, str | int | float | bool | None]


def _ref(value: Any) -> str | None:
    """The id of a ``{"id": …}`` reference (``replied_to``, ``quoted_post``)."""
    if isinstance(value, dict) and value.get("id") is not None:
        return payload.identifier(value["id"], "reference id")[:512]
    return None


class ThreadsSearchSource(GraphEdgeSource):
    """Keyword searches of one Threads token (see the module docstring)."""

    kind = "threads"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        token: str,
        queries: tuple[str, ...],
        interval_s: float = 600.0,
        api_url: str = THREADS_URL,
        max_pages: int = 5,
        limit: int = 50,
        name: str = "threads",
    ) -> None:
        super().__init__(
            client, clock, token=token, api_url=api_url, interval_s=interval_s, max_pages=max_pages, limit=limit
        )
        self.queries = tuple(dict.fromkeys(q.strip() for q in queries if q.strip()))
        self.name = name

    def restore(self, cursor: Cursor | None) -> None:
        self.cursor.restore((cursor or {}).get("newest"))

    async def poll(self) -> Batch:
        batch = Batch()
        for query in self.queries:
            key = f"search:{query}"
            since = self.cursor.since(key)
            if since is not None and since < MIN_SINCE:
                self.cursor.newest[key] = float(MIN_SINCE)
            params = {"q": query, "search_type": "RECENT", "fields": FIELDS}
            await self.read_edge(batch, key, "/keyword_search", params, self.item)
        batch.cursor = {"newest": self.cursor.saved()}
        return batch

    def item(self, raw: Any) -> CollectedItem | RejectedInput:
        """A Threads media object as an item, or a rejection saying what is wrong with it."""
        try:
            extra: Extra = {}
            for field in ("media_type", "topic_tag"):
                value = payload.text(raw.get(field))
                if value:
                    extra[field] = value[:256]
            link = payload.text(raw.get("link_attachment_url"))
            if link:
                extra["link_url"] = link
            alt = payload.text(raw.get("alt_text"))
            text = "\n".join(part.strip() for part in (payload.text(raw.get("text")), alt) if part and part.strip())
            return CollectedItem(
                kind="threads",
                instance="threads.net",
                native_id=payload.identifier(raw["id"], "media id"),
                text=text,
                url=payload.text(raw.get("permalink")),
                published_at=graph_time(raw["timestamp"]),
                author_handle=payload.text(raw.get("username")),
                parent_id=_ref(raw.get("replied_to")),
                quoted_id=_ref(raw.get("quoted_post")),
                extra=extra,
            )
        except Exception as exc:  # a bad result fails only itself
            return payload.invalid(self.kind, "threads.net", "Threads media", raw, exc)
