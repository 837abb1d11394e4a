"""Facebook Pages: posts on the territory's own page, and the comments and replies under them (Graph API).

Read with the page's own access token (permissions ``pages_read_engagement``, ``pages_read_user_content``):

* ``GET /{page-id}/feed`` (or ``/published_posts``) with ``since`` = the edge's time cursor, newest first,
  following ``paging.next`` (https://developers.facebook.com/docs/graph-api/reference/page/feed);
* for every post of the last ``comments_lookback_s`` (at most ``max_tracked_posts``, newest first),
  ``GET /{post-id}/comments?filter=stream&order=reverse_chronological``: comments *and* replies, each with its
  ``parent`` (https://developers.facebook.com/docs/graph-api/reference/object/comments). A reply's
  ``parent_id`` is the comment it answers, a comment's the post.

Everything read from the page belongs to the page's territory (``preset_territories``): a comment under the
city's post ("honteux, encore fermé") rarely names the city. Mention ids are ``facebook:<page id>:<object
id>``, the same as the webhook's (:mod:`vigie.collector.meta_webhook`), so polling and webhooks deduplicate.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx

from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.graph_api import GRAPH_URL, graph_time
from vigie.collector.sources.graph_edges import GraphEdgeSource, newest_within, tracked_times
from vigie.runtime.clock import Clock

POST_FIELDS = (
    "id,message,created_time,permalink_url,from{id,name},status_type,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),"
    "attachments{title,description,url,media_type}"
)
COMMENT_FIELDS = "id,message,created_time,permalink_url,from{id,name},parent{id},like_count,comment_count,attachment"
Extra = dict[str, str | int | float | bool | None]


def summary_count(value: Any) -> int:
    """``total_count`` of a ``{"summary": {"total_count": n}}`` edge, or ``count`` of ``{"count": n}``."""
    if not isinstance(value, dict):
        return 0
    summary = value.get("summary")
    if isinstance(summary, dict):
        return payload.count(summary.get("total_count")) or 0
    return payload.count(value.get("count")) or 0


def attachment_lines(value: Any) -> tuple[list[str], str | None]:
    """Title and description of a post's attachments (link cards, photo captions) and the first link."""
    entries = value.get("data") if isinstance(value, dict) and "data" in value else [value]
    lines: list[str] = []
    link: str | None = None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        lines += [payload.text(entry.get("title")) or "", payload.text(entry.get("description")) or ""]
        link = link or payload.text(entry.get("url"))
    return [line.strip() for line in lines if line and line.strip()], link


def joined(*parts: str | None, more: list[str] | None = None) -> str:
    lines = [p.strip() for p in parts if p and p.strip()] + (more or [])
    return "\n".join(dict.fromkeys(lines))


class FacebookPageSource(GraphEdgeSource):
    """One Facebook page of one territory (see the module docstring)."""

    kind = "facebook"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        page_id: str,
        token: str,
        territory: str,
        edge: str = "feed",
        comments: bool = True,
        comments_lookback_s: float = 7 * 86_400,
        max_tracked_posts: int = 50,
        interval_s: float = 300.0,
        api_url: str = GRAPH_URL,
        max_pages: int = 10,
        limit: int = 50,
        name: str | None = None,
    ) -> None:
        super().__init__(
            client, clock, token=token, api_url=api_url, interval_s=interval_s, max_pages=max_pages, limit=limit
        )
        self.page_id = page_id
        self.territory = territory
        self.edge = edge
        self.comments = comments
        self.comments_lookback_s = comments_lookback_s
        self.max_tracked_posts = max_tracked_posts
        self.name = name or f"facebook:{page_id}"
        self._posts: dict[str, float] = {}

    def restore(self, cursor: Cursor | None) -> None:
        cursor = cursor or {}
        self.cursor.restore(cursor.get("newest"))
        self._posts = tracked_times(cursor.get("posts"))

    async def poll(self) -> Batch:
        batch = Batch()
        posts = await self.read_edge(
            batch, "posts", f"/{self.page_id}/{self.edge}", {"fields": POST_FIELDS}, self.post_item
        )
        for post in posts:
            self._posts[post.native_id] = post.published_at.timestamp()
        horizon = self.clock.time() - self.comments_lookback_s
        self._posts = newest_within(self._posts, horizon, self.max_tracked_posts)
        if self.comments:
            for post_id in self._posts:
                params = {"fields": COMMENT_FIELDS, "filter": "stream", "order": "reverse_chronological"}
                await self.read_edge(
                    batch,
                    f"comments:{post_id}",
                    f"/{post_id}/comments",
                    params,
                    partial(self.comment_item, post_id=post_id),
                )
        self.cursor.forget({f"comments:{p}" for p in self._posts}, "comments:")
        batch.cursor = {"newest": self.cursor.saved(), "posts": dict(self._posts)}
        return batch

    def post_item(self, raw: Any) -> CollectedItem | RejectedInput:
        """A page post (or a visitor's post on the page) as an item; a rejection when it is malformed."""
        try:
            author = raw.get("from")
            author = author if isinstance(author, dict) else {}
            lines, link = attachment_lines(raw.get("attachments"))
            author_id = payload.identifier(author["id"], "from.id") if author.get("id") is not None else None
            extra: Extra = {"own_post": author_id == self.page_id} if author_id else {}
            if link:
                extra["link_url"] = link
            status_type = payload.text(raw.get("status_type"))
            if status_type:
                extra["status_type"] = status_type[:64]
            return CollectedItem(
                kind="facebook",
                instance=self.page_id,
                native_id=payload.identifier(raw["id"], "post id"),
                text=joined(payload.text(raw.get("message")), more=lines),
                url=payload.text(raw.get("permalink_url")),
                published_at=graph_time(raw["created_time"]),
                author_id=author_id,
                author_name=payload.text(author.get("name")),
                likes=summary_count(raw.get("reactions")),
                shares=summary_count(raw.get("shares")),
                replies=summary_count(raw.get("comments")),
                preset_territories=(self.territory,),
                extra=extra,
            )
        except Exception as exc:  # a bad post fails only itself
            return payload.invalid(self.kind, self.page_id, "post", raw, exc)

    def comment_item(self, raw: Any, post_id: str) -> CollectedItem | RejectedInput:
        """A comment or reply under ``post_id`` as an item; a rejection when it is malformed."""
        try:
            author = raw.get("from")
            author = author if isinstance(author, dict) else {}
            parent = raw.get("parent")
            parent_id = payload.text(parent.get("id")) if isinstance(parent, dict) else None
            lines, link = attachment_lines(raw.get("attachment"))
            extra: Extra = {"post_id": post_id}
            if link:
                extra["link_url"] = link
            return CollectedItem(
                kind="facebook",
                instance=self.page_id,
                native_id=payload.identifier(raw["id"], "comment id"),
                text=joined(payload.text(raw.get("message")), more=lines),
                url=payload.text(raw.get("permalink_url")),
                published_at=graph_time(raw["created_time"]),
                author_id=payload.identifier(author["id"], "from.id") if author.get("id") is not None else None,
                author_name=payload.text(author.get("name")),
                likes=payload.count(raw.get("like_count")) or 0,
                replies=payload.count(raw.get("comment_count")) or 0,
                parent_id=parent_id or post_id,
                preset_territories=(self.territory,),
                extra=extra,
            )
        except Exception as exc:  # a bad comment fails only itself
            return payload.invalid(self.kind, self.page_id, "comment", raw, exc)
