"""Mastodon: hashtag timelines (and full-text search with a token) on one instance.

Polling asks each timeline for statuses newer than its ``since_id`` (the cursor, per timeline). With a
token and ``streaming`` on, the source first catches up by polling once, then follows the streaming API
(server-sent events, one connection per hashtag) and keeps the ``since_id`` cursors moving, so a restart
catches up by polling again. ``X-RateLimit-Remaining`` / ``-Reset`` are honoured by waiting for the reset.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from vigie.collector.errors import FetchError
from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.base import PollingSource
from vigie.collector.sources.html_text import html_to_text
from vigie.collector.sources.http_fetch import fetch
from vigie.collector.sources.rate_limit import RateLimitGate
from vigie.collector.sources.sse import SseParser
from vigie.runtime.clock import Clock


def _decimal(value: str) -> tuple[int, str] | None:
    """A decimal id as a key that orders like its number (of any length), or None."""
    if value.isascii() and value.isdigit():
        digits = value.lstrip("0")
        return len(digits), digits
    return None


def _newer(a: str | None, b: str) -> bool:
    """Is status id ``b`` newer than ``a``? (Snowflake ids: compare as numbers when they are.)"""
    if a is None:
        return True
    key_a, key_b = _decimal(a), _decimal(b)
    if key_a is not None and key_b is not None:
        return key_b > key_a
    return b > a


class MastodonSource(PollingSource):
    """Hashtags and searches of one Mastodon instance."""

    kind = "mastodon"

    def __init__(
        self,
        base_url: str,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        hashtags: tuple[str, ...] = (),
        searches: tuple[str, ...] = (),
        token: str | None = None,
        streaming: bool = False,
        interval_s: float = 60.0,
        limit: int = 40,
        batch_window_s: float = 0.5,
        stream_read_timeout_s: float = 90.0,
        name: str | None = None,
    ) -> None:
        super().__init__(clock, interval_s)
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc or self.base_url
        self.client = client
        self.hashtags = tuple(tag.lstrip("#") for tag in hashtags)
        self.searches = searches if token else ()
        self._token = token
        self.streaming = streaming and token is not None
        self.limit = limit
        self.batch_window_s = batch_window_s
        self.stream_read_timeout_s = stream_read_timeout_s
        self.name = name or f"mastodon:{self.host}"
        self.gate = RateLimitGate(clock)
        self._since: dict[str, str] = {}

    def restore(self, cursor: Cursor | None) -> None:
        since = (cursor or {}).get("since", {})
        self._since = {str(k): str(v) for k, v in since.items()} if isinstance(since, dict) else {}

    def _cursor(self) -> Cursor:
        return {"since": dict(self._since)}

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    async def poll(self) -> Batch:
        batch = Batch()
        for tag in self.hashtags:
            url = f"{self.base_url}/api/v1/timelines/tag/{quote(tag, safe='')}"
            await self._poll_timeline(batch, f"tag:{tag}", url, {})
        for query in self.searches:
            url = f"{self.base_url}/api/v2/search"
            await self._poll_timeline(batch, f"search:{query}", url, {"q": query, "type": "statuses"})
        batch.cursor = self._cursor()
        return batch

    async def _poll_timeline(self, batch: Batch, key: str, url: str, params: dict[str, str]) -> None:
        await self.gate.wait()
        query = {**params, "limit": str(self.limit)}
        since = self._since.get(key)
        if since:
            query["since_id" if "q" not in params else "min_id"] = since
        response, body = await fetch(self.client, "GET", url, params=query, headers=self._headers(), clock=self.clock)
        self.gate.observe(response.headers)
        try:
            data = payload.loads(body)
        except ValueError as exc:
            raise FetchError("parse", f"{url}: answer is not JSON: {exc}") from None
        statuses = data.get("statuses", []) if isinstance(data, dict) else data
        if not isinstance(statuses, list):
            raise FetchError("parse", f"{url}: answer is not a list of statuses")
        for status in reversed(statuses):
            self._take(batch, key, status)

    def _take(self, batch: Batch, key: str, status: Any) -> None:
        item = self.item(status)
        if isinstance(item, RejectedInput):
            batch.rejected.append(item)
            return
        batch.items.append(item)
        if _newer(self._since.get(key), item.native_id):
            self._since[key] = item.native_id

    def item(self, status: Any) -> CollectedItem | RejectedInput:
        """A status as an item, or a rejection saying what is wrong with it (whatever the status holds)."""
        try:
            if status.get("reblog"):
                status = status["reblog"]
            account = status.get("account")
            account = account if isinstance(account, dict) else {}
            published = datetime.fromisoformat(str(payload.text(status["created_at"])).replace("Z", "+00:00"))
            text = html_to_text(payload.text(status.get("content")) or "")
            spoiler = html_to_text(payload.text(status.get("spoiler_text")) or "")
            text, extra = _attachments(status, text)
            author_id = account.get("id")
            return CollectedItem(
                kind="mastodon",
                instance=self.host,
                native_id=payload.identifier(status["id"], "status id"),
                text=text,
                title=spoiler or None,
                url=payload.text(status.get("url")) or payload.text(status.get("uri")),
                language=payload.text(status.get("language")),
                published_at=published if published.tzinfo else published.replace(tzinfo=UTC),
                author_id=payload.identifier(author_id, "account id") if author_id is not None else None,
                author_handle=payload.text(account.get("acct")),
                author_name=payload.text(account.get("display_name")),
                author_followers=payload.count(account.get("followers_count")),
                likes=payload.count(status.get("favourites_count")) or 0,
                shares=payload.count(status.get("reblogs_count")) or 0,
                replies=payload.count(status.get("replies_count")) or 0,
                extra=extra,
            )
        except Exception as exc:  # a bad status fails only itself
            reason = f"invalid status: {type(exc).__name__}: {str(exc)[:300]}"
            return RejectedInput(self.kind, self.host, "validation", reason, payload.preview(status))

    async def batches(self) -> AsyncIterator[Batch]:
        if not self.streaming or not self.hashtags:
            async for batch in super().batches():
                yield batch
            return
        yield await self.poll()
        queue: asyncio.Queue[tuple[str, Any] | BaseException] = asyncio.Queue()
        readers = [asyncio.create_task(self._stream(tag, queue)) for tag in self.hashtags]
        try:
            while True:
                batch = Batch()
                first = await queue.get()
                deadline = asyncio.get_running_loop().time() + self.batch_window_s
                pending: list[tuple[str, Any] | BaseException] = [first]
                while len(pending) < 500:
                    timeout = deadline - asyncio.get_running_loop().time()
                    if timeout <= 0:
                        break
                    try:
                        pending.append(await asyncio.wait_for(queue.get(), timeout))
                    except TimeoutError:
                        break
                for entry in pending:
                    if isinstance(entry, BaseException):
                        raise entry
                    key, status = entry
                    if key == "rejected":
                        batch.rejected.append(status)
                    else:
                        self._take(batch, key, status)
                batch.cursor = self._cursor()
                yield batch
        finally:
            for reader in readers:
                reader.cancel()
            for reader in readers:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
            # the streams also stop when the generator is closed

    async def _stream(self, tag: str, queue: asyncio.Queue[tuple[str, Any] | BaseException]) -> None:
        url = f"{self.base_url}/api/v1/streaming/hashtag"
        timeout = httpx.Timeout(10.0, read=self.stream_read_timeout_s)
        try:
            async with self.client.stream(
                "GET", url, params={"tag": tag}, headers=self._headers(), timeout=timeout
            ) as response:
                if response.status_code != 200:
                    raise FetchError(f"http_{response.status_code}", f"{url}: HTTP {response.status_code}")
                parser = SseParser()
                async for line in response.aiter_lines():
                    event = parser.feed(line.rstrip("\r"))
                    if event is None or event.event != "update":
                        continue
                    try:
                        status = payload.loads(event.data)
                    except ValueError as exc:
                        rejected = RejectedInput(
                            self.kind,
                            self.host,
                            "decode",
                            f"stream event is not JSON: {exc}",
                            event.data[:4096].encode("utf-8", errors="backslashreplace"),
                        )
                        await queue.put(("rejected", rejected))
                        continue
                    await queue.put((f"tag:{tag}", status))
            raise FetchError("connection", f"{url}: stream closed by the server")
        except httpx.TimeoutException:
            await queue.put(FetchError("timeout", f"{url}: no event or heartbeat within {self.stream_read_timeout_s}s"))
        except httpx.HTTPError as exc:
            await queue.put(FetchError("connection", f"{url}: {type(exc).__name__}: {exc}"))
        except FetchError as exc:
            await queue.put(exc)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _attachments(status: dict[str, Any], text: str) -> tuple[str, dict[str, str | int | float | bool | None]]:
    """``text`` followed by media alt text, poll options and the link card's title and description; the ids
    of the status replied to and quoted, and the card's URL, as extra fields."""
    lines = [text]
    lines += [payload.text(m.get("description")) or "" for m in _dicts(status.get("media_attachments"))]
    poll = status.get("poll")
    if isinstance(poll, dict):
        lines += [payload.text(o.get("title")) or "" for o in _dicts(poll.get("options"))]
    extra: dict[str, str | int | float | bool | None] = {}
    card = status.get("card")
    if isinstance(card, dict):
        lines += [payload.text(card.get("title")) or "", payload.text(card.get("description")) or ""]
        if payload.text(card.get("url")):
            extra["card_url"] = payload.text(card.get("url"))
    for key, field in (("in_reply_to_id", "reply_to_id"), ("in_reply_to_account_id", "reply_to_account_id")):
        if status.get(key) is not None:
            extra[field] = str(status[key])[:1024]
    quote = status.get("quote")
    quoted = quote.get("quoted_status") if isinstance(quote, dict) and "quoted_status" in quote else quote
    if isinstance(quoted, dict) and quoted.get("id") is not None:
        extra["quote_id"] = str(quoted["id"])[:1024]
        extra["quote_url"] = payload.text(quoted.get("url"))
    return "\n".join(line.strip() for line in lines if line and line.strip()), extra
