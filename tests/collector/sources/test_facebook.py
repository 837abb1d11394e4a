"""Facebook page source against the Graph API stand-in: posts and comments over several pages, replies with
their parent, the since cursor, an expired token (code 190), throttling (code 4) and malformed items.

Shapes: page feed https://developers.facebook.com/docs/graph-api/reference/page/feed (``id`` is
``<page id>_<post id>``, ``created_time`` like ``2026-11-27T07:40:00+0000``, ``reactions.summary(total_count)``,
``comments.summary``, ``shares.count``, ``attachments.data[]``); comments
https://developers.facebook.com/docs/graph-api/reference/object/comments (``filter=stream`` returns replies with
``parent``)."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from vigie.collector.errors import FetchError
from vigie.collector.sources.facebook import FacebookPageSource
from vigie.collector.sources.graph_api import USAGE_PAUSE_S, GraphUsageGate, graph_error

PAGE = "104857600"


def post(n: int, minute: int, message: str, **more: Any) -> dict[str, Any]:
    return {
        "id": f"{PAGE}_{n}",
        "message": message,
        "created_time": f"2026-11-27T07:{minute:02d}:00+0000",
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/{n}",
        "from": {"id": PAGE, "name": "Ville de Saint-Malo"},
        "reactions": {"data": [], "summary": {"total_count": 40 + n}},
        "comments": {"data": [], "summary": {"total_count": 3}},
        "shares": {"count": 5},
        **more,
    }


def comment(cid: str, minute: int, message: str, parent: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": cid,
        "message": message,
        "created_time": f"2026-11-27T07:{minute:02d}:30+0000",
        "from": {"id": f"u{cid}", "name": "Habitant"},
        "like_count": 2,
        "comment_count": 0,
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/1?comment_id={cid}",
    }
    if parent:
        item["parent"] = {"id": parent}
    return item


@pytest.fixture
async def graph(platform):
    stand_in = await platform("graph")
    stand_in.add(
        f"/{PAGE}/feed",
        post(
            1,
            10,
            "Fermeture de la plage du Sillon",
            attachments={"data": [{"title": "Arrêté", "description": "Pollution", "url": "https://saint-malo.fr/a"}]},
        ),
        post(2, 20, "Marché de Noël ce week-end"),
        post(3, 30, "Travaux sur la digue"),
        {"id": "broken", "message": "pas de date"},
    )
    stand_in.add(
        f"/{PAGE}_1/comments",
        comment("c1", 11, "C'est une honte, encore fermée !"),
        comment("c2", 12, "Oui, inadmissible", parent="c1"),
        comment("c3", 13, "Merci pour l'info"),
    )
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield stand_in, client


def source(stand_in: Any, client: httpx.AsyncClient, clock: Any, **kwargs: Any) -> FacebookPageSource:
    return FacebookPageSource(
        client, clock, page_id=PAGE, token="page-token-1", territory="saint-malo", api_url=stand_in.base, **kwargs
    )


async def test_posts_and_comments_over_several_pages_with_replies_and_a_dead_letter(
    graph, clock, make_pipeline, sink
) -> None:
    stand_in, client = graph
    fb = source(stand_in, client, clock)
    fb.restore(None)
    batch = await fb.poll()
    ids = [i.native_id for i in batch.items]
    assert ids == [f"{PAGE}_1", f"{PAGE}_2", f"{PAGE}_3", "c1", "c2", "c3"]
    first = batch.items[0]
    assert first.text == "Fermeture de la plage du Sillon\nArrêté\nPollution" and first.likes == 41
    assert first.shares == 5 and first.replies == 3 and first.extra["own_post"] is True
    assert first.extra["link_url"] == "https://saint-malo.fr/a"
    by_id = {i.native_id: i for i in batch.items}
    assert by_id["c1"].parent_id == f"{PAGE}_1" and by_id["c2"].parent_id == "c1"
    assert [r.error_class for r in batch.rejected] == ["validation"]
    feed_requests = [q for p, q in stand_in.requests if p == f"/{PAGE}/feed"]
    assert len(feed_requests) == 2 and "after" in feed_requests[1]  # followed paging.next, without its access_token
    assert all("access_token" not in q for _, q in stand_in.requests)
    await make_pipeline().process(batch)
    mentions = sink.mentions()
    assert {m.territory_id for m in mentions} == {"saint-malo"} and len(mentions) == 6
    reply = next(m for m in mentions if m.native_id == "c2")
    assert reply.parent_id == "c1" and reply.mention_id == f"facebook:{PAGE}:c2"
    assert len(sink.dead_letters()) == 1
    assert "page-token-1" not in repr(fb)


async def test_the_since_cursor_reads_only_what_is_new_after_a_restart(graph, clock) -> None:
    stand_in, client = graph
    fb = source(stand_in, client, clock)
    fb.restore(None)
    first = await fb.poll()
    stand_in.add(f"/{PAGE}/feed", post(4, 40, "Nouvelle navette"))
    stand_in.add(f"/{PAGE}_1/comments", comment("c4", 41, "Enfin !"))
    restarted = source(stand_in, client, clock)
    restarted.restore(first.cursor)
    stand_in.requests.clear()
    second = await restarted.poll()
    assert [i.native_id for i in second.items] == [f"{PAGE}_3", f"{PAGE}_4", "c3", "c4"]  # same-second: dedup
    feed_query = next(q for p, q in stand_in.requests if p == f"/{PAGE}/feed")
    assert feed_query["since"] == str(int(first.items[2].published_at.timestamp()))


async def test_an_expired_token_is_a_clear_auth_error(graph, clock) -> None:
    stand_in, client = graph
    stand_in.token = "renewed"
    fb = source(stand_in, client, clock)
    fb.restore(None)
    with pytest.raises(FetchError) as failure:
        await fb.poll()
    assert failure.value.reason == "auth"
    assert "Graph error 190" in str(failure.value) and "new long-lived token" in str(failure.value)


async def test_throttling_backs_off_for_the_time_meta_announces(graph, clock) -> None:
    stand_in, client = graph
    stand_in.throttle_next = 1
    fb = source(stand_in, client, clock)
    fb.restore(None)
    with pytest.raises(FetchError) as failure:
        await fb.poll()
    assert failure.value.reason == "rate_limited" and failure.value.retry_after == 7 * 60
    before = clock.time()
    batch = await fb.poll()  # the gate waits out the announced time before asking again
    assert clock.time() - before >= 7 * 60 and len(batch.items) == 6


async def test_usage_headers_near_the_budget_pause_the_source_before_it_is_throttled(clock) -> None:
    gate = GraphUsageGate(clock)
    gate.observe(httpx.Headers({"X-App-Usage": '{"call_count": 95, "total_cputime": 10, "total_time": 12}'}))
    before = clock.time()
    await gate.wait()
    assert clock.time() - before == USAGE_PAUSE_S
    gate.observe(httpx.Headers({"X-Page-Usage": "not json", "X-App-Usage": '{"call_count": 10}'}))
    await gate.wait()
    assert clock.time() - before == USAGE_PAUSE_S  # below the ceiling (and garbage headers): no pause
    throttled = graph_error(429, b"", httpx.Headers({"Retry-After": "30"}), gate, "page feed")
    assert throttled.reason == "rate_limited" and throttled.retry_after == 30
    date = format_datetime(clock.now() + timedelta(seconds=90), usegmt=True)
    throttled = graph_error(429, b"", httpx.Headers({"Retry-After": date}), gate, "page feed")
    assert throttled.retry_after == 90  # an HTTP-date, measured from the gate's clock
    unknown = graph_error(400, b'{"error": {"code": 100, "message": "Unknown field"}}', httpx.Headers(), gate, "x")
    assert unknown.reason == "graph_100" and "Unknown field" in str(unknown)
