"""Mastodon against an API stand-in on 127.0.0.1: since_id polling, rate-limit headers, SSE streaming."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from aiohttp import web

from vigie.collector.items import RejectedInput
from vigie.collector.sources.mastodon import MastodonSource


def status(
    status_id: int, text: str, *, acct: str = "marie", created: str = "2026-11-27T07:00:00.000Z"
) -> dict[str, Any]:
    return {
        "id": str(status_id),
        "created_at": created,
        "content": f"<p>{text}</p>",
        "spoiler_text": "",
        "url": f"https://mastodon.example/@{acct}/{status_id}",
        "language": "fr",
        "favourites_count": 3,
        "reblogs_count": 1,
        "replies_count": 0,
        "account": {"id": "42", "acct": acct, "display_name": "Marie", "followers_count": 120},
    }


class MastodonStandIn:
    def __init__(self) -> None:
        self.statuses = [status(i, f"Tempête à #SaintMalo numéro {i}") for i in range(1, 6)]
        self.requests: list[dict[str, str]] = []
        self.stream_frames: list[str] = []
        self.remaining = 300
        self.stream_auth: str | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v1/timelines/tag/{tag}", self.timeline)
        app.router.add_get("/api/v1/streaming/hashtag", self.stream)
        return app

    async def timeline(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.query))
        since = int(request.query.get("since_id", "0"))
        newer = [s for s in self.statuses if int(s["id"]) > since]
        newest_first = sorted(newer, key=lambda s: -int(s["id"]))[: int(request.query.get("limit", "40"))]
        headers = {"X-RateLimit-Remaining": str(self.remaining), "X-RateLimit-Reset": "2026-11-27T08:05:00.000Z"}
        return web.json_response(newest_first, headers=headers)

    async def stream(self, request: web.Request) -> web.StreamResponse:
        self.stream_auth = request.headers.get("Authorization")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b":)\n\n")
        for frame in self.stream_frames:
            await response.write(frame.encode())
        while True:
            await asyncio.sleep(0.05)
            await response.write(b":thump\n\n")


@pytest.fixture
async def stand_in(serve):
    mastodon = MastodonStandIn()
    base = await serve(mastodon.app())
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield mastodon, base, client


async def test_polling_uses_and_persists_since_id(stand_in, clock) -> None:
    mastodon, base, client = stand_in
    source = MastodonSource(base, client, clock, hashtags=("#SaintMalo",))
    source.restore(None)
    first = await source.poll()
    assert [i.native_id for i in first.items] == ["1", "2", "3", "4", "5"]
    item = first.items[0]
    assert item.text == "Tempête à #SaintMalo numéro 1" and item.author_handle == "marie"
    assert item.author_followers == 120 and item.likes == 3 and item.instance.startswith("127.0.0.1")
    assert first.cursor == {"since": {"tag:SaintMalo": "5"}}

    mastodon.statuses.append(status(6, "Saint-Malo encore"))
    restarted = MastodonSource(base, client, clock, hashtags=("SaintMalo",))
    restarted.restore(first.cursor)
    second = await restarted.poll()
    assert [i.native_id for i in second.items] == ["6"]
    assert mastodon.requests[-1]["since_id"] == "5"


async def test_exhausted_rate_limit_waits_until_the_reset(stand_in, clock) -> None:
    mastodon, base, client = stand_in
    mastodon.remaining = 0
    source = MastodonSource(base, client, clock, hashtags=("SaintMalo",))
    source.restore(None)
    await source.poll()
    assert clock.sleeps == []
    await source.poll()
    assert clock.sleeps == [300.0]  # clock at 08:00:00, reset at 08:05:00


async def test_invalid_status_is_rejected_alone(stand_in, clock) -> None:
    mastodon, base, client = stand_in
    mastodon.statuses.append({"id": "9", "content": "no date"})
    source = MastodonSource(base, client, clock, hashtags=("SaintMalo",))
    source.restore(None)
    batch = await source.poll()
    assert len(batch.items) == 5 and [r.error_class for r in batch.rejected] == ["validation"]


async def test_streaming_catches_up_then_follows_server_sent_events(stand_in, clock) -> None:
    mastodon, base, client = stand_in
    mastodon.stream_frames = [
        f"event: update\ndata: {json.dumps(status(7, 'Nice : la promenade fermée'))}\n\n",
        "event: delete\ndata: 3\n\n",
        "event: update\ndata: {not json\n\n",
        f"event: update\ndata: {json.dumps(status(8, 'Lyon sous la neige'))}\n\n",
    ]
    source = MastodonSource(
        base, client, clock, hashtags=("SaintMalo",), token="t0ken-123", streaming=True, batch_window_s=0.2
    )
    source.restore(None)
    batches = source.batches()
    caught_up = await anext(batches)
    assert len(caught_up.items) == 5
    streamed_items, rejected = [], []
    while len(streamed_items) < 2:
        batch = await asyncio.wait_for(anext(batches), 5)
        streamed_items += batch.items
        rejected += batch.rejected
        cursor = batch.cursor
    await batches.aclose()  # type: ignore[attr-defined]
    assert [i.native_id for i in streamed_items] == ["7", "8"]
    assert [r.error_class for r in rejected] == ["decode"]
    assert cursor == {"since": {"tag:SaintMalo": "8"}}
    assert mastodon.stream_auth == "Bearer t0ken-123"


# Status fields as Mastodon.py's recorded statuses carry them (media_attachments, poll, card, replies, quotes).
async def test_alt_text_polls_cards_replies_and_quotes_are_kept(clock) -> None:
    record = status(9, "Regardez")
    record.update(
        media_attachments=[{"type": "image", "description": "La digue de Saint-Malo sous les vagues"}],
        poll={"options": [{"title": "Oui", "votes_count": 1}, {"title": "Non", "votes_count": 0}]},
        card={"url": "https://ex.org/a", "title": "Tempête Ciaran", "description": "Alerte rouge"},
        in_reply_to_id="7",
        quote={"state": "accepted", "quoted_status": {"id": "5", "url": "https://mastodon.example/@x/5"}},
    )
    async with httpx.AsyncClient() as client:
        item = MastodonSource("http://127.0.0.1:9", client, clock).item(record)
    assert not isinstance(item, RejectedInput)
    assert item.text == "Regardez\nLa digue de Saint-Malo sous les vagues\nOui\nNon\nTempête Ciaran\nAlerte rouge"
    assert item.extra == {
        "card_url": "https://ex.org/a",
        "reply_to_id": "7",
        "quote_id": "5",
        "quote_url": "https://mastodon.example/@x/5",
    }
