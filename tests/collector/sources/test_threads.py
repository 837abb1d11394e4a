"""Threads keyword search against the stand-in: RECENT results over several pages, since cursor, replies and
quotes, expired token, throttling, malformed results.

Shape (https://developers.facebook.com/docs/threads/keyword-search): ``{"data": [{"id", "text", "media_type",
"permalink", "timestamp": "2023-10-17T05:42:03+0000", "username", "has_replies", "is_quote_post", "is_reply"}],
"paging": {...}}``; ``replied_to`` / ``quoted_post`` are ``{"id": …}`` (media fields reference)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vigie.collector.errors import FetchError
from vigie.collector.sources.threads import ThreadsSearchSource


def thread(tid: str, minute: int, text: str, **more: Any) -> dict[str, Any]:
    return {
        "id": tid,
        "text": text,
        "media_type": "TEXT_POST",
        "permalink": f"https://www.threads.net/@someone/post/{tid}",
        "timestamp": f"2026-11-27T07:{minute:02d}:00+0000",
        "username": "someone",
        "has_replies": False,
        "is_quote_post": "quoted_post" in more,
        "is_reply": "replied_to" in more,
        **more,
    }


@pytest.fixture
async def threads(platform):
    stand_in = await platform("graph", token="threads-token-1")
    stand_in.add(
        "/keyword_search",
        thread("1", 10, "Saint-Malo : la digue est fermée"),
        thread("2", 11, "Encore une fermeture à Saint-Malo", replied_to={"id": "1"}),
        thread("3", 12, "Regardez ça", quoted_post={"id": "1"}, alt_text="Vagues sur la digue de Saint-Malo"),
        {"id": "4", "text": "sans date"},
    )
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield stand_in, client


def source(stand_in: Any, client: httpx.AsyncClient, clock: Any) -> ThreadsSearchSource:
    return ThreadsSearchSource(client, clock, token="threads-token-1", queries=("Saint-Malo",), api_url=stand_in.base)


async def test_recent_search_over_pages_with_replies_quotes_and_a_dead_letter(
    threads, clock, make_pipeline, sink
) -> None:
    stand_in, client = threads
    src = source(stand_in, client, clock)
    src.restore(None)
    batch = await src.poll()
    assert [i.native_id for i in batch.items] == ["1", "2", "3"]
    assert batch.items[1].parent_id == "1" and batch.items[2].quoted_id == "1"
    assert batch.items[2].text == "Regardez ça\nVagues sur la digue de Saint-Malo"
    assert [r.error_class for r in batch.rejected] == ["validation"]
    first_query = stand_in.requests[0][1]
    assert first_query["search_type"] == "RECENT" and first_query["q"] == "Saint-Malo" and "since" not in first_query
    await make_pipeline().process(batch)
    assert {(m.native_id, m.parent_id, m.quoted_id) for m in sink.mentions()} == {
        ("1", None, None),
        ("2", "1", None),
        ("3", None, "1"),
    }

    stand_in.add("/keyword_search", thread("5", 20, "Saint-Malo rouvre la digue"))
    restarted = source(stand_in, client, clock)
    restarted.restore(batch.cursor)
    again = await restarted.poll()
    assert [i.native_id for i in again.items] == ["3", "5"]  # since = the newest second: dedup drops 3
    assert stand_in.requests[-1][1]["since"] == str(int(batch.items[2].published_at.timestamp()))


async def test_expired_token_and_throttling(threads, clock) -> None:
    stand_in, client = threads
    src = source(stand_in, client, clock)
    src.restore(None)
    stand_in.throttle_next = 1
    with pytest.raises(FetchError) as throttled:
        await src.poll()
    assert throttled.value.reason == "rate_limited" and throttled.value.retry_after == 420
    stand_in.token = "other"
    with pytest.raises(FetchError) as expired:
        await src.poll()
    assert expired.value.reason == "auth"
