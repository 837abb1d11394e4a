"""Jetstream against a WebSocket server on 127.0.0.1 replaying frames, with microsecond cursor resume."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.asyncio.server import ServerConnection, serve

from tests.support.waiting import eventually
from vigie.collector.errors import FetchError
from vigie.collector.items import Batch, RejectedInput
from vigie.collector.sources.bluesky import JetstreamSource


def post(time_us: int, text: str, rkey: str) -> dict[str, Any]:
    return {
        "did": "did:plc:abc123",
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": "x",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": rkey,
            "cid": "bafy",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": "2026-11-27T07:10:00.000Z",
                "langs": ["fr"],
            },
        },
    }


FRAMES: list[tuple[int, str]] = [
    (1_000, json.dumps(post(1_000, "Tempête sur St-Malo", "r1"))),
    (2_000, json.dumps({"did": "did:plc:x", "time_us": 2_000, "kind": "identity", "identity": {}})),
    (3_000, "{this is not json"),
    (
        4_000,
        json.dumps({**post(4_000, "x", "r4"), "commit": {**post(4_000, "x", "r4")["commit"], "operation": "delete"}}),
    ),
    (5_000, json.dumps(post(5_000, "Lyon sous la neige", "r5"))),
    (
        6_000,
        json.dumps({**post(6_000, "", "r6"), "commit": {**post(6_000, "", "r6")["commit"], "record": {"text": 5}}}),
    ),
    (7_000, json.dumps(post(7_000, "Nice : la promenade fermée", "r7"))),
]


class Jetstream:
    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.close_after: int | None = None

    async def handler(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path).query)  # type: ignore[union-attr]
        self.requests.append(query)
        cursor = int(query.get("cursor", ["0"])[0])
        sent = 0
        for time_us, frame in FRAMES:
            if time_us >= cursor:
                await connection.send(frame)
                sent += 1
                if self.close_after is not None and sent >= self.close_after:
                    return
        await connection.wait_closed()


@pytest.fixture
async def jetstream() -> AsyncIterator[tuple[Jetstream, str]]:
    server_state = Jetstream()
    async with serve(server_state.handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield server_state, f"ws://127.0.0.1:{port}/subscribe"


async def collect(source: JetstreamSource, until_items: int) -> list[Batch]:
    batches, count = [], 0
    iterator = source.batches()
    while count < until_items:
        batch = await asyncio.wait_for(anext(iterator), 5)
        batches.append(batch)
        count += len(batch.items)
    await iterator.aclose()  # type: ignore[attr-defined]
    return batches


async def test_posts_are_collected_and_bad_frames_rejected(jetstream, clock) -> None:
    server, url = jetstream
    source = JetstreamSource(clock, url=url, batch_window_s=0.2)
    source.restore(None)
    batches = await collect(source, 3)
    items = [i for b in batches for i in b.items]
    rejected = [r for b in batches for r in b.rejected]
    assert [i.native_id for i in items] == [
        "at://did:plc:abc123/app.bsky.feed.post/r1",
        "at://did:plc:abc123/app.bsky.feed.post/r5",
        "at://did:plc:abc123/app.bsky.feed.post/r7",
    ]
    assert items[0].url == "https://bsky.app/profile/did:plc:abc123/post/r1" and items[0].language == "fr"
    assert sorted(r.error_class for r in rejected) == ["decode", "validation"]
    assert batches[-1].cursor == {"time_us": 7_000}
    assert server.requests[0]["wantedCollections"] == ["app.bsky.feed.post"]
    assert "cursor" not in server.requests[0]


async def test_restart_resumes_from_the_cursor(jetstream, clock) -> None:
    server, url = jetstream
    source = JetstreamSource(clock, url=url, batch_window_s=0.2)
    source.restore({"time_us": 5_000})
    batches = await collect(source, 2)
    assert [i.native_id.rsplit("/", 1)[1] for b in batches for i in b.items] == ["r5", "r7"]
    assert server.requests[0]["cursor"] == ["5000"]


async def test_closed_connection_is_a_retryable_fetch_error(jetstream, clock) -> None:
    server, url = jetstream
    server.close_after = 1
    source = JetstreamSource(clock, url=url, batch_window_s=0.2)
    source.restore(None)
    iterator = source.batches()
    first = await anext(iterator)
    assert len(first.items) == 1
    with pytest.raises(FetchError) as failure:
        await anext(iterator)
    assert failure.value.reason == "connection"


async def test_unreachable_endpoint_is_a_fetch_error(clock) -> None:
    source = JetstreamSource(clock, url="ws://127.0.0.1:9/subscribe")
    source.restore(None)
    with pytest.raises(FetchError):
        await anext(source.batches())


async def test_runner_persists_the_cursor_and_a_restart_resumes_from_it(
    jetstream, clock, make_pipeline, sink, tmp_path
) -> None:
    from vigie.collector.runner import SourceRunner
    from vigie.collector.state import StateStore

    server, url = jetstream
    state = StateStore(tmp_path)
    for _ in range(2):
        pipeline = make_pipeline(state=state)
        runner = SourceRunner(
            JetstreamSource(clock, url=url, batch_window_s=0.1), pipeline, pipeline.metrics, clock, state=state
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        await eventually(
            lambda runner=runner: (
                runner.batches_done >= 1 and state.load_cursor("bluesky:jetstream") == {"time_us": 7_000}
            )
        )
        stop.set()
        await task
    assert "cursor" not in server.requests[0] and server.requests[1]["cursor"] == ["7000"]
    assert sorted(m.native_id.rsplit("/", 1)[1] for m in sink.mentions()) == ["r1", "r5", "r7"]  # r7 not re-emitted


# Record shapes from the app.bsky Lexicon, as Jetstream commit events carry them.
def test_links_cards_alt_text_replies_quotes_and_languages_are_kept(clock) -> None:
    frame = post(9_000, "Crue à Nice : bsky.app/pro...", "r9")
    record = frame["commit"]["record"]
    start = len("Crue à Nice : ".encode())
    record.update(
        langs=["fr", "en", "oc"],
        facets=[
            {
                "index": {"byteStart": start, "byteEnd": start + len("bsky.app/pro...")},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://bsky.app/profile/full"}],
            }
        ],
        reply={"parent": {"uri": "at://p", "cid": "c"}, "root": {"uri": "at://r", "cid": "c"}},
        embed={
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {"$type": "app.bsky.embed.record", "record": {"uri": "at://quoted", "cid": "c"}},
            "media": {"$type": "app.bsky.embed.images", "images": [{"alt": "Le Paillon en crue", "image": {}}]},
        },
    )
    source = JetstreamSource(clock, url="ws://127.0.0.1:9/subscribe")
    item = source.item(frame, frame["commit"])
    assert not isinstance(item, RejectedInput)
    assert item.text == "Crue à Nice : https://bsky.app/profile/full\nLe Paillon en crue"
    assert item.extra["reply_parent"] == "at://p" and item.extra["reply_root"] == "at://r"
    assert item.extra["quote_uri"] == "at://quoted" and item.extra["other_languages"] == "en,oc"

    card = post(9_001, "", "r10")
    card["commit"]["record"]["embed"] = {
        "$type": "app.bsky.embed.external",
        "external": {"uri": "https://ex.org/a", "title": "Orange en alerte", "description": "Crue"},
    }
    carded = source.item(card, card["commit"])
    assert not isinstance(carded, RejectedInput)
    assert carded.text == "Orange en alerte\nCrue" and carded.extra["external_uri"] == "https://ex.org/a"

    bare = post(9_002, "", "r11")
    bare["commit"]["record"]["embed"] = {"$type": "app.bsky.embed.images", "images": [{"alt": "", "image": {}}]}
    rejected = source.item(bare, bare["commit"])
    assert isinstance(rejected, RejectedInput) and "nothing to match" in rejected.reason
