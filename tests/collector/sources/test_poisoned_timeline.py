"""A poisoned Mastodon timeline, served on 127.0.0.1 and read by the real runner with its state directory: the
source keeps polling, good posts (and repairable ones) are emitted, bad ones are dead-lettered, the cursor
moves, and no read counts as a failure."""

from __future__ import annotations

import asyncio
import json

import httpx
from aiohttp import web

from tests.support.waiting import eventually
from vigie.collector.runner import SourceRunner
from vigie.collector.sources.mastodon import MastodonSource
from vigie.collector.state import StateStore


def _status(status_id: str, text: str, created: str = "2026-11-27T07:00:00Z", **fields: object) -> str:
    return json.dumps({"id": status_id, "created_at": created, "content": f"<p>{text}</p>", "account": {}, **fields})


POISONED_PAGE = (
    "["
    + ",".join(
        [
            _status("30", "Saint-Malo : la digue est fermée"),
            '{"id": "29", "created_at": "2026-11-27T07:00:00Z", "content": "Saint-Malo \\ud83d plage", "account": {}}',
            _status("28", "Saint-Malo <![< marée noire", "0001-01-01T00:00:00+14:00", favourites_count="1e400"),
            _status("27", "Saint-Malo", "yesterday"),
            '{"id": ' + "[" * 900 + "]" * 900 + ', "created_at": "2026-11-27T07:00:00Z", "content": "Saint-Malo"}',
            '{"id": 1234567890123456789012345678901234567890, "created_at": "2026-11-27T07:00:00Z"}',
            _status("26", "Saint-Malo", reblog="yes"),
            '{"id": "25", "created_at": "2026-11-27T07:00:00Z", "content": 42}',
            '"a string"',
            "null",
            _status("24", "Lyon : grève des bus", account={"followers_count": "many", "acct": ["x"]}),
        ]
    ).replace('"1e400"', "1e400")
    + "]"
)


async def test_a_poisoned_timeline_never_stops_the_source(serve, clock, make_pipeline, sink, sample, tmp_path):
    app = web.Application()

    async def timeline(request: web.Request) -> web.Response:
        return web.Response(text=POISONED_PAGE, content_type="application/json")

    app.router.add_get("/api/v1/timelines/tag/{tag}", timeline)
    base = await serve(app)
    state = StateStore(tmp_path)
    pipeline = make_pipeline(state=state)
    async with httpx.AsyncClient() as client:
        source = MastodonSource(base, client, clock, hashtags=("SaintMalo",), interval_s=60)
        runner = SourceRunner(source, pipeline, pipeline.metrics, clock, state=state)
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        await eventually(lambda: runner.batches_done >= 3)
        stop.set()
        await task
    emitted = {m.native_id: m for m in sink.mentions()}
    assert sorted(emitted) == ["24", "28", "29", "30"]  # each once: later polls drop them as duplicates
    assert emitted["29"].text == "Saint-Malo \ufffd plage"
    assert emitted["28"].published_at_claimed == "0001-01-01T00:00:00+14:00"
    assert "<![<" in emitted["28"].text and emitted["28"].engagement.likes == 0
    assert emitted["24"].author.followers is None
    letters = len(sink.dead_letters())
    assert letters >= 3 * 6 and letters % 6 == 0  # the six bad statuses, at each poll ("25" has no text: unmatched)
    assert sample("vigie_collector_fetch_errors_total", source="mastodon", reason="internal") == 0
    assert sample("vigie_collector_source_up", source="mastodon") == 1
    assert state.load_cursor(source.name) == {"since": {"tag:SaintMalo": "30"}}
