"""Instagram professional accounts: the account's media and their comments, media it is tagged in, and hashtag
search (Instagram Graph API, with the token of the Facebook page the account is linked to).

* ``GET /{ig-user-id}/media`` — the account's own posts, reels and stories' captions
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media);
* ``GET /{ig-media-id}/comments`` with nested ``replies`` for media of the last ``comments_lookback_s``
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments):
  a comment's ``parent_id`` is the media, a reply's the comment it answers;
* ``GET /{ig-user-id}/tags`` — media in which the account is tagged (``instagram_manage_comments``);
* hashtags: ``GET /ig_hashtag_search?user_id=…&q=…`` once per hashtag (its id is kept in the cursor: an account
  may query at most **30 unique hashtags per rolling 7 days**, so ids are never looked up twice), then
  ``GET /{hashtag-id}/recent_media`` (media of the last 24 hours;
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-hashtag-search).
* mentions (``@account`` in a caption or comment) arrive by webhook only; :meth:`mentioned` reads one with
  ``GET /{ig-user-id}?fields=mentioned_media.media_id(…)`` or ``mentioned_comment.comment_id(…)``.

The account's own media, their comments and the media it is tagged in belong to its territory; hashtag results
are matched like any post (a hashtag is shared with other places). The Graph API gives no language and no
alt text for these objects: the caption is the text.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

import httpx

from vigie.collector.errors import FetchError
from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.graph_api import GRAPH_URL, graph_time
from vigie.collector.sources.graph_edges import GraphEdgeSource, newest_within, tracked_times
from vigie.runtime.clock import Clock

#: Unique hashtags an Instagram account may query per rolling 7 days.
MAX_HASHTAGS = 30
MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type,media_product_type,like_count,comments_count,username"
HASHTAG_MEDIA_FIELDS = "id,caption,timestamp,permalink,media_type,like_count,comments_count"
REPLY_FIELDS = "id,text,timestamp,username,from{id,username},like_count"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"
Extra = dict[str, str | int | float | bool | None]


class InstagramAccountSource(GraphEdgeSource):
    """One Instagram professional account of one territory (see the module docstring)."""

    kind = "instagram"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        ig_user_id: str,
        token: str,
        territory: str,
        comments: bool = True,
        tags: bool = True,
        hashtags: tuple[str, ...] = (),
        comments_lookback_s: float = 7 * 86_400,
        max_tracked_media: int = 50,
        interval_s: float = 300.0,
        api_url: str = GRAPH_URL,
        max_pages: int = 10,
        limit: int = 50,
        name: str | None = None,
    ) -> None:
        super().__init__(
            client, clock, token=token, api_url=api_url, interval_s=interval_s, max_pages=max_pages, limit=limit
        )
        tags_wanted = tuple(dict.fromkeys(tag.lstrip("#").lower() for tag in hashtags if tag.strip("# ")))
        if len(tags_wanted) > MAX_HASHTAGS:
            raise ValueError(f"at most {MAX_HASHTAGS} hashtags per Instagram account (7-day limit of the API)")
        self.ig_user_id = ig_user_id
        self.territory = territory
        self.comments = comments
        self.tags = tags
        self.hashtags = tags_wanted
        self.comments_lookback_s = comments_lookback_s
        self.max_tracked_media = max_tracked_media
        self.name = name or f"instagram:{ig_user_id}"
        self._media: dict[str, float] = {}
        self._hashtag_ids: dict[str, str] = {}

    def restore(self, cursor: Cursor | None) -> None:
        cursor = cursor or {}
        self.cursor.restore(cursor.get("newest"))
        media, ids = cursor.get("media"), cursor.get("hashtag_ids")
        self._media = tracked_times(media)
        # hashtag ids survive even a failed batch: looking one up again would spend the 30-per-week budget
        known = {str(k): str(v) for k, v in ids.items()} if isinstance(ids, dict) else {}
        self._hashtag_ids = {**known, **self._hashtag_ids}

    def _cursor(self) -> Cursor:
        return {"newest": self.cursor.saved(), "media": dict(self._media), "hashtag_ids": dict(self._hashtag_ids)}

    async def poll(self) -> Batch:
        batch = Batch()
        own = await self.read_edge(
            batch, "media", f"/{self.ig_user_id}/media", {"fields": MEDIA_FIELDS}, lambda r: self.media_item(r, "own")
        )
        for media in own:
            self._media[media.native_id] = media.published_at.timestamp()
        horizon = self.clock.time() - self.comments_lookback_s
        self._media = newest_within(self._media, horizon, self.max_tracked_media)
        if self.comments:
            for media_id in self._media:
                await self.read_edge(
                    batch,
                    f"comments:{media_id}",
                    f"/{media_id}/comments",
                    {"fields": COMMENT_FIELDS},
                    partial(self.comment_items, media_id=media_id),
                    send_since=False,
                )
        self.cursor.forget({f"comments:{m}" for m in self._media}, "comments:")
        if self.tags:
            params = {"fields": MEDIA_FIELDS}
            await self.read_edge(
                batch, "tags", f"/{self.ig_user_id}/tags", params, lambda r: self.media_item(r, "tag"), send_since=False
            )
        for tag in self.hashtags:
            hashtag_id = await self._hashtag_id(tag)
            if hashtag_id is None:
                continue
            params = {"user_id": self.ig_user_id, "fields": HASHTAG_MEDIA_FIELDS}
            await self.read_edge(
                batch,
                f"hashtag:{tag}",
                f"/{quote(hashtag_id, safe='')}/recent_media",
                params,
                partial(self.media_item, origin="hashtag", hashtag=tag),
                send_since=False,
            )
        batch.cursor = self._cursor()
        return batch

    async def _hashtag_id(self, tag: str) -> str | None:
        known = self._hashtag_ids.get(tag)
        if known is not None:
            return known or None
        data = await self.get("/ig_hashtag_search", {"user_id": self.ig_user_id, "q": tag}, f"{self.name} #{tag}")
        found = data.get("data")
        first = found[0] if isinstance(found, list) and found and isinstance(found[0], dict) else {}
        try:
            hashtag_id = payload.identifier(first.get("id"), "hashtag id")
        except ValueError:
            hashtag_id = ""  # no such hashtag: remembered, so it is not looked up (and counted) again
        self._hashtag_ids[tag] = hashtag_id
        return hashtag_id or None

    def media_item(self, raw: Any, origin: str, hashtag: str | None = None) -> CollectedItem | RejectedInput:
        """A media object (own post, tagged media or hashtag result) as an item, or a rejection."""
        try:
            extra: Extra = {"origin": origin}
            for field in ("media_type", "media_product_type"):
                value = payload.text(raw.get(field))
                if value:
                    extra[field] = value[:64]
            if hashtag:
                extra["hashtag"] = hashtag
            return CollectedItem(
                kind="instagram",
                instance=self.ig_user_id,
                native_id=payload.identifier(raw["id"], "media id"),
                text=(payload.text(raw.get("caption")) or "").strip(),
                url=payload.text(raw.get("permalink")),
                published_at=graph_time(raw["timestamp"]),
                author_handle=payload.text(raw.get("username")),
                likes=payload.count(raw.get("like_count")) or 0,
                replies=payload.count(raw.get("comments_count")) or 0,
                preset_territories=() if origin == "hashtag" else (self.territory,),
                extra=extra,
            )
        except Exception as exc:  # a bad media object fails only itself
            return payload.invalid(self.kind, self.ig_user_id, "media", raw, exc)

    def comment_items(self, raw: Any, media_id: str) -> list[CollectedItem | RejectedInput]:
        """A comment and its nested replies as items (a reply's parent is the comment), newest first like the
        edge: the replies (oldest first in the answer) in reverse, then the comment."""
        comment = self.comment_item(raw, media_id, media_id)
        replies = raw.get("replies") if isinstance(raw, dict) else None
        data = replies.get("data") if isinstance(replies, dict) else None
        if not isinstance(data, list) or not isinstance(comment, CollectedItem):
            return [comment]
        return [*(self.comment_item(reply, media_id, comment.native_id) for reply in reversed(data)), comment]

    def comment_item(self, raw: Any, media_id: str, parent_id: str) -> CollectedItem | RejectedInput:
        try:
            author = raw.get("from")
            author = author if isinstance(author, dict) else {}
            return CollectedItem(
                kind="instagram",
                instance=self.ig_user_id,
                native_id=payload.identifier(raw["id"], "comment id"),
                text=(payload.text(raw.get("text")) or "").strip(),
                published_at=graph_time(raw["timestamp"]),
                author_id=payload.identifier(author["id"], "from.id") if author.get("id") is not None else None,
                author_handle=payload.text(raw.get("username")) or payload.text(author.get("username")),
                likes=payload.count(raw.get("like_count")) or 0,
                parent_id=parent_id,
                preset_territories=(self.territory,),
                extra={"media_id": media_id},
            )
        except Exception as exc:  # a bad comment fails only itself
            return payload.invalid(self.kind, self.ig_user_id, "comment", raw, exc)

    async def mentioned(self, media_id: str, comment_id: str | None) -> CollectedItem | RejectedInput:
        """The caption or comment in which the account was @mentioned (a ``mentions`` webhook event).

        Raises :class:`FetchError` when the Graph API cannot be read (the webhook answers 503 and Meta retries)."""
        if comment_id:
            field = f"mentioned_comment.comment_id({comment_id}){{id,text,timestamp,like_count,media{{id}}}}"
        else:
            field = f"mentioned_media.media_id({media_id}){{{MEDIA_FIELDS}}}"
        data = await self.get(f"/{self.ig_user_id}", {"fields": field}, f"{self.name} mention")
        raw = data.get("mentioned_comment" if comment_id else "mentioned_media")
        if not isinstance(raw, dict):
            raise FetchError("parse", f"{self.name}: mention {media_id}/{comment_id} not readable")
        return self.comment_item(raw, media_id, media_id) if comment_id else self.media_item(raw, "mention")
