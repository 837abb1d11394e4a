"""YouTube Data API v3, with an API key: videos found by the territory's names, their comments, and the comments
on the territory's own channel, within a daily quota budget.

One source per territory. Each poll (every ``interval_s``):

1. every ``search_interval_s`` only, ``search.list`` (type=video, order=date, ``publishedAfter`` = the newest video seen, the first time
   ``comment_window_days`` ago) with the territory's aliases and hashtags OR-ed
   (``"Saint-Malo"|"St-Malo"|#SaintMalo``), following ``nextPageToken`` for at most ``max_search_pages``
   pages (100 units each);
2. ``videos.list`` (1 unit per 50 ids) for the new videos: each becomes a mention (title, description,
   views, likes, comment count, audio language) and is followed for ``comment_window_days``;
3. ``commentThreads.list`` (1 unit per page, newest first) for every followed video, and with
   ``allThreadsRelatedToChannelId`` for the territory's channel, down to the newest comment already seen;
   each top-level comment becomes a mention whose ``parent_id`` is its video, each reply one whose
   ``parent_id`` is its top-level comment (``comments.list``, 1 unit, when the thread holds more replies than
   the thread resource carries). A comment's title is its video's title, so that matching sees what the
   comment is about; comments on the territory's own channel are attributed to the territory.

Quota: every request is paid from a :class:`~vigie.collector.sources.quota.DailyQuota` before it is sent;
a request the budget cannot pay is skipped. With ``paced`` (the default) the budget is spread over the day,
so that the evening is watched as well as the morning: a search beyond the share of the day elapsed waits
for a later poll (reading what a search found is paid from the day's budget at once). When the budget is spent, or Google answers ``quotaExceeded``
(then the budget counts as spent), the batch carries a ``quota_spent`` / ``quota_exceeded`` problem (one log
line and one ``vigie_collector_fetch_errors_total{source="youtube"}`` increment per day) and the polls that
follow send nothing until midnight Pacific time, when Google resets quotas: no retry in between. They still
yield (empty) batches, so the source is seen alive, not stale. A rejected API key
(``keyInvalid``, ``API_KEY_INVALID``, API not enabled, referrer or IP blocked) is a ``credentials`` fetch
error whose message names the setting to fix; 429, a 403 ``rateLimitExceeded`` (a per-minute limit, not the
day's quota) and 5xx are retried with backoff by the runner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from vigie.collector.errors import FetchError
from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.base import PollingSource
from vigie.collector.sources.http_fetch import fetch
from vigie.collector.sources.quota import DailyQuota, next_reset
from vigie.runtime.clock import Clock

API_URL = "https://www.googleapis.com/youtube/v3"
INSTANCE = "youtube.com"
#: Units per request (https://developers.google.com/youtube/v3/determine_quota_cost).
SEARCH_COST = 100
LIST_COST = 1
#: Reasons of a 400/401/403 that mean the key itself is refused (old and new error formats).
CREDENTIAL_REASONS = frozenset(
    {
        "keyInvalid",
        "keyExpired",
        "API_KEY_INVALID",
        "API_KEY_EXPIRED",
        "accessNotConfigured",
        "SERVICE_DISABLED",
        "ipRefererBlocked",
        "API_KEY_HTTP_REFERRER_BLOCKED",
        "API_KEY_IP_ADDRESS_BLOCKED",
        "API_KEY_SERVICE_BLOCKED",
        "forbidden",
        "unauthorized",
    }
)
#: The project's daily quota is spent: nothing more until midnight Pacific.
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
#: A per-minute limit: retried with backoff, the day's budget is untouched.
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
#: Seconds before retrying after a per-minute limit (Google sends no Retry-After with these 403s).
RATE_LIMIT_RETRY_S = 60.0
#: Per-resource refusals on a comment read: the video is dropped, the source goes on.
RESOURCE_REASONS = frozenset({"commentsDisabled", "videoNotFound", "channelNotFound", "forbidden", "notFound"})
#: How far ahead of our clock a video's publication time may move the search cursor.
MAX_CURSOR_SKEW_S = 300.0


class QuotaExceededError(Exception):
    """Google answered quotaExceeded: stop spending until the reset."""


class CommentsUnavailableError(Exception):
    """This video's or channel's comments cannot be read (disabled, deleted, private)."""


def google_error_reasons(body: bytes) -> set[str]:
    """Every ``reason`` of a Google API error body (``error.errors[].reason``, ``error.details[].reason``,
    ``error.status``); empty when the body is not one."""
    try:
        error = payload.loads(body).get("error")
    except (ValueError, AttributeError):
        return set()
    if not isinstance(error, dict):
        return set()
    reasons = {str(error["status"])} if isinstance(error.get("status"), str) else set()
    for key in ("errors", "details"):
        entries = error.get(key)
        if isinstance(entries, list):
            reasons |= {e["reason"] for e in entries if isinstance(e, dict) and isinstance(e.get("reason"), str)}
    return reasons


def _time(value: Any) -> datetime:
    text = payload.text(value)
    if text is None:
        raise ValueError("missing time")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError("time without a zone")
    return when


def _rfc3339(when: datetime) -> str:
    """``when`` in UTC to the second, ``Z``-suffixed: such strings order like the times they stand for."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class YouTubeSource(PollingSource):
    """Videos and comments about one territory (see the module docstring)."""

    kind = "youtube"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        api_key: str,
        territory_id: str,
        terms: tuple[str, ...],
        hashtags: tuple[str, ...] = (),
        channel_id: str | None = None,
        daily_budget: int = 2000,
        paced: bool = True,
        interval_s: float = 900.0,
        search_interval_s: float = 2700.0,
        max_search_pages: int = 1,
        max_comment_pages: int = 2,
        comment_window_days: float = 7.0,
        max_videos: int = 25,
        region_code: str | None = None,
        api_url: str = API_URL,
        name: str | None = None,
    ) -> None:
        super().__init__(clock, interval_s)
        self.client = client
        self._api_key = api_key
        self.territory_id = territory_id
        phrases = [f'"{t}"' for t in dict.fromkeys(terms) if t.strip()]
        phrases += [f"#{h.lstrip('#')}" for h in dict.fromkeys(hashtags) if h.strip("# ")]
        self.query = "|".join(phrases)
        self.channel_id = channel_id
        self.quota = DailyQuota(daily_budget, paced=paced)
        self.search_interval_s = search_interval_s
        self.max_search_pages = max_search_pages
        self.max_comment_pages = max_comment_pages
        self.comment_window = timedelta(days=comment_window_days)
        self.max_videos = max_videos
        self.region_code = region_code
        self.api_url = api_url.rstrip("/")
        self.name = name or f"youtube:{territory_id}"
        self._published_after: str | None = None
        self._searched_at = float("-inf")
        self._videos: dict[str, dict[str, str]] = {}
        self._comments: dict[str, str] = {}
        self._days_reported: set[str] = set()

    def __repr__(self) -> str:
        return f"YouTubeSource(name={self.name!r}, api_key=***)"

    def restore(self, cursor: Cursor | None) -> None:
        cursor = cursor or {}
        after = cursor.get("published_after")
        self._published_after = after if isinstance(after, str) else None
        searched = cursor.get("searched_at")
        self._searched_at = float(searched) if isinstance(searched, int | float) else float("-inf")
        videos = cursor.get("videos")
        self._videos = (
            {str(k): {"at": str(v.get("at")), "title": str(v.get("title", ""))[:300]} for k, v in videos.items()}
            if isinstance(videos, dict) and all(isinstance(v, dict) for v in videos.values())
            else {}
        )
        comments = cursor.get("comments")
        self._comments = {str(k): str(v) for k, v in comments.items()} if isinstance(comments, dict) else {}
        # the quota spent survives a failed poll: never hand out again what an unacknowledged poll spent
        saved = DailyQuota(self.quota.budget)  # only its day and units spent are read
        saved.restore(cursor.get("quota"))
        if saved.day == self.quota.day:
            self.quota.spent = max(self.quota.spent, saved.spent)
        elif saved.day > self.quota.day:
            self.quota.day, self.quota.spent = saved.day, saved.spent

    def _cursor(self) -> Cursor:
        return {
            "published_after": self._published_after,
            "searched_at": self._searched_at if self._searched_at != float("-inf") else None,
            "videos": {k: dict(v) for k, v in self._videos.items()},
            "comments": dict(self._comments),
            "quota": self.quota.state(),
        }

    async def poll(self) -> Batch:
        batch = Batch()
        try:
            new_videos: list[str] = []
            if self.query and self.clock.time() >= self._searched_at + self.search_interval_s:
                new_videos = await self._search(batch)
            await self._read_videos(batch, new_videos)
            self._forget_old_videos()
            for video_id in sorted(self._videos, key=lambda v: self._videos[v]["at"], reverse=True):
                await self._read_threads(batch, f"video:{video_id}", {"videoId": video_id}, video_id)
            if self.channel_id:
                params = {"allThreadsRelatedToChannelId": self.channel_id}
                await self._read_threads(batch, f"channel:{self.channel_id}", params, None)
        except QuotaExceededError:
            self.quota.exhaust(self.clock.now())
            self._report(batch, "quota_exceeded", "Google answered quotaExceeded for this project")
        if self.quota.exhausted(self.clock.now(), SEARCH_COST) and self.query:
            self._report(batch, "quota_spent", f"{self.quota.spent} of {self.quota.budget} units used")
        batch.cursor = self._cursor()
        return batch

    def _report(self, batch: Batch, reason: str, detail: str) -> None:
        now = self.clock.now()
        if self.quota.day in self._days_reported:  # one line a day: the first reason is the one that matters
            return
        self._days_reported.add(self.quota.day)
        batch.problems.append(
            (
                reason,
                f"YouTube quota budget of territory {self.territory_id} spent ({detail}): searches resume after "
                f"Google's reset at {_rfc3339(next_reset(now))} (midnight Pacific time)",
            )
        )

    async def _get(self, resource: str, params: dict[str, str], cost: int) -> dict[str, Any] | None:
        """One API read paid from the budget (None: the budget cannot pay for it; a search, the paced share)."""
        if not self.quota.spend(cost, self.clock.now(), deferrable=resource == "search"):
            return None
        url = f"{self.api_url}/{resource}"
        # the key goes in Google's X-Goog-Api-Key header, not the URL: URLs end up in proxy and access logs
        response, body = await fetch(
            self.client,
            "GET",
            url,
            params=params,
            headers={"X-Goog-Api-Key": self._api_key},
            ok_statuses=(200, 400, 401, 403, 404),
            clock=self.clock,
        )
        if response.status_code != 200:
            reasons = google_error_reasons(body)
            if reasons & QUOTA_REASONS:
                raise QuotaExceededError
            if reasons & RATE_REASONS:
                message = f"GET {url}: rate limited ({', '.join(sorted(reasons))})"
                raise FetchError("http_429", message, retry_after=RATE_LIMIT_RETRY_S)
            if response.status_code in (401, 400, 403) and (
                reasons & CREDENTIAL_REASONS and (resource != "commentThreads" or "forbidden" not in reasons)
            ):
                raise FetchError(
                    "credentials",
                    f"YouTube refused the API key ({', '.join(sorted(reasons))}): check VIGIE_COLLECTOR_YOUTUBE_API_KEY "
                    "and that the YouTube Data API v3 is enabled for its project",
                )
            if reasons & RESOURCE_REASONS or response.status_code == 404:
                raise CommentsUnavailableError(", ".join(sorted(reasons)) or "not found")
            raise FetchError(
                f"http_{response.status_code}", f"GET {url}: HTTP {response.status_code} {sorted(reasons)}"
            )
        try:
            data = payload.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
                raise ValueError("not a list response")
        except ValueError as exc:
            raise FetchError("parse", f"GET {url}: {exc}") from None
        return data

    async def _search(self, batch: Batch) -> list[str]:
        params = {"part": "snippet", "type": "video", "order": "date", "q": self.query, "maxResults": "50"}
        # the first search looks back as far as comments are followed: older videos would cost quota for nothing
        params["publishedAfter"] = self._published_after or _rfc3339(self.clock.now() - self.comment_window)
        if self.region_code:
            params["regionCode"] = self.region_code
        found: list[str] = []
        for _ in range(self.max_search_pages):
            data = await self._get("search", params, SEARCH_COST)
            if data is None:
                break
            self._searched_at = self.clock.time()
            for result in data.get("items", []):
                ident = result.get("id") if isinstance(result, dict) else None
                video_id = ident.get("videoId") if isinstance(ident, dict) else None
                if isinstance(video_id, str) and video_id:
                    found.append(video_id)
                else:
                    reason = "invalid search result: no id.videoId"
                    batch.rejected.append(
                        RejectedInput(self.kind, INSTANCE, "validation", reason, payload.preview(result))
                    )
            token = payload.text(data.get("nextPageToken"))
            if not token:
                break
            params["pageToken"] = token
        return [v for v in dict.fromkeys(found) if v not in self._videos]

    async def _read_videos(self, batch: Batch, video_ids: list[str]) -> None:
        for start in range(0, len(video_ids), 50):
            chunk = video_ids[start : start + 50]
            data = await self._get("videos", {"part": "snippet,statistics", "id": ",".join(chunk)}, LIST_COST)
            if data is None:
                return
            for video in data.get("items", []):
                item = self.video_item(video)
                if isinstance(item, RejectedInput):
                    batch.rejected.append(item)
                    continue
                batch.items.append(item)
                published = item.published_at
                self._videos[item.native_id] = {"at": _rfc3339(published), "title": (item.title or "")[:300]}
                if published.timestamp() <= self.clock.time() + MAX_CURSOR_SKEW_S and (
                    self._published_after is None or _rfc3339(published) > self._published_after
                ):
                    self._published_after = _rfc3339(published)

    def _forget_old_videos(self) -> None:
        horizon = _rfc3339(self.clock.now() - self.comment_window)
        kept = sorted(((v["at"], k) for k, v in self._videos.items() if v["at"] >= horizon), reverse=True)
        kept_ids = {k for _, k in kept[: self.max_videos]}
        self._videos = {k: v for k, v in self._videos.items() if k in kept_ids}
        self._comments = {
            k: v for k, v in self._comments.items() if not k.startswith("video:") or k[len("video:") :] in kept_ids
        }

    async def _read_threads(self, batch: Batch, key: str, params: dict[str, str], video_id: str | None) -> None:
        """Comment threads newest first, down to the newest comment already seen under ``key``.

        ``video_id`` None: the territory's channel. Its comments on a video followed from the search are left
        to that video's read (one path per comment, so one dedup key); the others are the territory's."""
        seen = self._comments.get(key)
        query = {"part": "snippet,replies", "order": "time", "maxResults": "100", "textFormat": "plainText", **params}
        newest = seen
        for _ in range(self.max_comment_pages):
            try:
                data = await self._get("commentThreads", query, LIST_COST)
            except CommentsUnavailableError:
                if video_id is not None:
                    self._videos.pop(video_id, None)
                return
            if data is None:
                break
            reached_seen = False
            for thread in data.get("items", []):
                items = self.thread_items(thread, video_id)
                top = items[0]
                followed_elsewhere = (
                    video_id is None and isinstance(top, CollectedItem) and top.extra.get("video_id") in self._videos
                )
                if isinstance(top, CollectedItem):
                    at = _rfc3339(top.published_at)
                    in_future = top.published_at.timestamp() > self.clock.time() + MAX_CURSOR_SKEW_S
                    if not in_future and (newest is None or at > newest):
                        newest = at
                    reached_seen = reached_seen or (seen is not None and at <= seen)
                for item in items:
                    if isinstance(item, RejectedInput):
                        batch.rejected.append(item)
                    elif not followed_elsewhere:
                        batch.items.append(item)
                if not followed_elsewhere:
                    await self._more_replies(batch, thread, video_id)
            token = payload.text(data.get("nextPageToken"))
            if reached_seen or not token:
                break
            query["pageToken"] = token
        if newest is not None:
            self._comments[key] = newest

    async def _more_replies(self, batch: Batch, thread: Any, video_id: str | None) -> None:
        """The replies a thread resource did not carry (it carries a few), from ``comments.list``."""
        try:
            snippet = thread["snippet"]
            total = payload.count(snippet.get("totalReplyCount")) or 0
            replies = thread.get("replies")
            carried = replies.get("comments") if isinstance(replies, dict) else []
            if not isinstance(carried, list) or total <= len(carried):
                return
            parent = payload.identifier(thread["id"], "thread id")
        except (KeyError, TypeError, AttributeError, ValueError):
            return  # the thread itself was already rejected or carried everything
        try:
            data = await self._get("comments", {"part": "snippet", "parentId": parent, "maxResults": "100"}, LIST_COST)
        except CommentsUnavailableError:
            return
        for comment in (data or {}).get("items", []):
            item = self.comment_item(comment, video_id, parent)
            (batch.rejected if isinstance(item, RejectedInput) else batch.items).append(item)  # type: ignore[arg-type]

    def video_item(self, video: Any) -> CollectedItem | RejectedInput:
        """A ``videos.list`` item (snippet, statistics) as an item, or a rejection saying what is wrong."""
        try:
            snippet, stats = video["snippet"], video.get("statistics") or {}
            video_id = payload.identifier(video["id"], "video id")
            channel = payload.text(snippet.get("channelId"))
            extra: dict[str, str | int | float | bool | None] = {"youtube_kind": "video", "video_id": video_id}
            if channel:
                extra["channel_id"] = channel
            tags = snippet.get("tags")
            if isinstance(tags, list):
                extra["tags"] = ", ".join(t for t in tags if isinstance(t, str))[:1024]
            return CollectedItem(
                kind="youtube",
                instance=INSTANCE,
                native_id=video_id,
                text=payload.text(snippet.get("description")) or "",
                title=payload.text(snippet["title"]),
                url=f"https://www.youtube.com/watch?v={video_id}",
                published_at=_time(snippet["publishedAt"]),
                language=payload.text(snippet.get("defaultAudioLanguage"))
                or payload.text(snippet.get("defaultLanguage")),
                author_id=channel,
                author_name=payload.text(snippet.get("channelTitle")),
                likes=payload.count(stats.get("likeCount")) or 0,
                replies=payload.count(stats.get("commentCount")) or 0,
                views=payload.count(stats.get("viewCount")),
                extra=extra,
            )
        except Exception as exc:  # a bad video fails only itself
            reason = f"invalid video: {type(exc).__name__}: {str(exc)[:300]}"
            return RejectedInput(self.kind, INSTANCE, "validation", reason, payload.preview(video))

    def thread_items(self, thread: Any, video_id: str | None) -> list[CollectedItem | RejectedInput]:
        """A comment thread: its top-level comment and the replies it carries."""
        try:
            snippet = thread["snippet"]
            video = payload.text(snippet.get("videoId")) or video_id
            top = self.comment_item(
                snippet["topLevelComment"], video, None, payload.count(snippet.get("totalReplyCount"))
            )
        except Exception as exc:
            reason = f"invalid comment thread: {type(exc).__name__}: {str(exc)[:300]}"
            return [RejectedInput(self.kind, INSTANCE, "validation", reason, payload.preview(thread))]
        out: list[CollectedItem | RejectedInput] = [top]
        if isinstance(top, CollectedItem):
            replies = thread.get("replies")
            comments = replies.get("comments") if isinstance(replies, dict) else None
            for reply in comments if isinstance(comments, list) else []:
                out.append(self.comment_item(reply, video, top.native_id))
        return out

    def comment_item(
        self, comment: Any, video_id: str | None, parent_id: str | None, reply_count: int | None = None
    ) -> CollectedItem | RejectedInput:
        """A comment resource; ``parent_id`` None for a top-level comment (its parent is then the video)."""
        try:
            snippet = comment["snippet"]
            comment_id = payload.identifier(comment["id"], "comment id")
            video = payload.text(snippet.get("videoId")) or video_id
            parent = parent_id or payload.text(snippet.get("parentId")) or video
            text = payload.text(snippet.get("textOriginal")) or payload.text(snippet["textDisplay"])
            if text is None:
                raise ValueError("comment without text")
            author = snippet.get("authorChannelId")
            author_id = payload.text(author.get("value")) if isinstance(author, dict) else None
            display = payload.text(snippet.get("authorDisplayName"))
            extra: dict[str, str | int | float | bool | None] = {
                "youtube_kind": "reply" if parent != video else "comment",
                "video_id": video,
            }
            followed = self._videos.get(video) if video is not None else None
            # a comment on a video the search did not find came from the territory's channel
            on_channel = followed is None and self.channel_id is not None
            return CollectedItem(
                kind="youtube",
                instance=INSTANCE,
                native_id=comment_id,
                text=text,
                title=(followed["title"] or None) if followed is not None else None,
                url=f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None,
                published_at=_time(snippet["publishedAt"]),
                author_id=author_id,
                author_handle=display if display and display.startswith("@") else None,
                author_name=display,
                likes=payload.count(snippet.get("likeCount")) or 0,
                replies=reply_count or 0,
                parent_id=parent,
                preset_territories=(self.territory_id,) if on_channel else (),
                preset_terms=("youtube channel",) if on_channel else (),
                extra=extra,
            )
        except Exception as exc:  # a bad comment fails only itself
            reason = f"invalid comment: {type(exc).__name__}: {str(exc)[:300]}"
            return RejectedInput(self.kind, INSTANCE, "validation", reason, payload.preview(comment))
