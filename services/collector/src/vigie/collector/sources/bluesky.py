"""Bluesky through Jetstream: the public WebSocket firehose of posts, filtered locally by the matcher.

The source subscribes with ``wantedCollections=app.bsky.feed.post`` and, after a restart, with
``cursor=<time_us>`` — the microsecond timestamp of the last frame of the last acknowledged batch — so the
firehose is replayed from there (frames seen twice are dropped by dedup). Frames are grouped into batches
of at most ``batch_size`` or ``batch_window_s``. A post's text has its links expanded and its images' alt
text and link card appended; replies, quotes, card URL and extra languages go to ``extra``
(:mod:`~vigie.collector.sources.bluesky_post`). A frame that is not JSON, or a post with no text at all
(an image without alt text) or without date, is dead-lettered; deletes, likes and identity events only move the cursor.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import websockets

from vigie.collector.errors import FetchError
from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.base import Source
from vigie.collector.sources.bluesky_post import read_post
from vigie.runtime.clock import Clock

POST = "app.bsky.feed.post"
DEFAULT_URL = "wss://jetstream2.us-east.bsky.network/subscribe"


class JetstreamSource(Source):
    """One Jetstream endpoint."""

    kind = "bluesky"

    def __init__(
        self,
        clock: Clock,
        *,
        url: str = DEFAULT_URL,
        batch_size: int = 500,
        batch_window_s: float = 0.5,
        idle_timeout_s: float = 60.0,
        max_frame_bytes: int = 1024 * 1024,
        name: str | None = None,
    ) -> None:
        self.clock = clock
        self.url = url
        self.batch_size = batch_size
        self.batch_window_s = batch_window_s
        self.idle_timeout_s = idle_timeout_s
        self.max_frame_bytes = max_frame_bytes
        self.name = name or "bluesky:jetstream"
        self.instance = "bsky.app"
        self._time_us: int | None = None

    def restore(self, cursor: Cursor | None) -> None:
        value = (cursor or {}).get("time_us")
        self._time_us = int(value) if isinstance(value, int | str) and str(value).isdigit() else None

    def subscribe_url(self) -> str:
        params: list[tuple[str, str]] = [("wantedCollections", POST)]
        if self._time_us is not None:
            params.append(("cursor", str(self._time_us)))
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}{urlencode(params)}"

    async def batches(self) -> AsyncIterator[Batch]:
        url = self.subscribe_url()
        try:
            async with websockets.connect(url, open_timeout=10, max_size=self.max_frame_bytes) as socket:
                while True:
                    batch = Batch()
                    frame = await asyncio.wait_for(socket.recv(), self.idle_timeout_s)
                    self._take(batch, frame)
                    loop = asyncio.get_running_loop()
                    deadline = loop.time() + self.batch_window_s
                    closed: websockets.exceptions.ConnectionClosed | None = None
                    while len(batch.items) + len(batch.rejected) < self.batch_size:
                        remaining = deadline - loop.time()
                        if remaining <= 0:
                            break
                        try:
                            frame = await asyncio.wait_for(socket.recv(), remaining)
                        except TimeoutError:
                            break
                        except websockets.exceptions.ConnectionClosed as exc:
                            closed = exc  # hand over what arrived before the close, then fail
                            break
                        self._take(batch, frame)
                    batch.cursor = {"time_us": self._time_us} if self._time_us is not None else None
                    yield batch
                    if closed is not None:
                        raise closed
        except TimeoutError:
            raise FetchError("timeout", f"{self.url}: no frame within {self.idle_timeout_s}s") from None
        except websockets.exceptions.ConnectionClosed as exc:
            raise FetchError("connection", f"{self.url}: connection closed: {exc}") from None
        except (OSError, websockets.exceptions.WebSocketException) as exc:
            raise FetchError("connection", f"{self.url}: {type(exc).__name__}: {exc}") from None

    def _take(self, batch: Batch, frame: str | bytes) -> None:
        raw = frame.encode("utf-8", errors="backslashreplace") if isinstance(frame, str) else frame
        try:
            event = payload.loads(frame)
            if not isinstance(event, dict):
                raise ValueError("frame is not a JSON object")
        except ValueError as exc:
            reason = f"invalid frame: {str(exc)[:300]}"
            batch.rejected.append(RejectedInput(self.kind, self.instance, "decode", reason, raw[:4096]))
            return
        time_us = _time_us(event.get("time_us"))
        if time_us is not None and (self._time_us is None or time_us > self._time_us):
            self._time_us = time_us
        commit = event.get("commit")
        if event.get("kind") != "commit" or not isinstance(commit, dict):
            return
        if commit.get("operation") != "create" or commit.get("collection") != POST:
            return
        item = self.item(event, commit)
        if isinstance(item, RejectedInput):
            batch.rejected.append(item)
        else:
            batch.items.append(item)

    def item(self, event: dict[str, Any], commit: dict[str, Any]) -> CollectedItem | RejectedInput:
        """A post as an item, or a rejection saying what is wrong with it (whatever the frame holds)."""
        try:
            did = payload.identifier(event["did"], "did")
            rkey = payload.identifier(commit["rkey"], "rkey")
            record = commit["record"]
            content = read_post(record)
            if not content.text:
                raise ValueError("post without text, alt text or link card: nothing to match")
            published = datetime.fromisoformat(str(payload.text(record["createdAt"])).replace("Z", "+00:00"))
            langs = record.get("langs") or []
            return CollectedItem(
                kind="bluesky",
                instance=self.instance,
                native_id=f"at://{did}/{POST}/{rkey}",
                text=content.text,
                url=f"https://bsky.app/profile/{did}/post/{rkey}",
                language=langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None,
                published_at=published if published.tzinfo else published.replace(tzinfo=UTC),
                author_id=did,
                extra={"time_us": _time_us(event.get("time_us")), **content.extra},
            )
        except Exception as exc:  # a bad post fails only itself
            reason = f"invalid post: {type(exc).__name__}: {str(exc)[:300]}"
            return RejectedInput(self.kind, self.instance, "validation", reason, payload.preview(event))


def _time_us(value: Any) -> int | None:
    """Jetstream's microsecond cursor, if ``value`` is one (a non-negative integer below 2**53)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53:
        return value
    return None
