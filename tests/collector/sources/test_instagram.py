"""Instagram account source against the Graph API stand-in: own media and comments with nested replies, tagged
media, hashtag search with its id kept in the cursor (30 unique hashtags per 7 days), mentions, malformed items.

Shapes: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
(``timestamp`` like ``2026-11-27T07:10:00+0000``, ``caption``, ``like_count``, ``comments_count``),
.../ig-media/comments (``replies{...}`` nested), .../ig-hashtag-search (``{"data": [{"id": "1784..."}]}``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vigie.collector.items import CollectedItem
from vigie.collector.sources.instagram import InstagramAccountSource

IG = "17841400000000001"


def media(mid: str, minute: int, caption: str, **more: Any) -> dict[str, Any]:
    return {
        "id": mid,
        "caption": caption,
        "timestamp": f"2026-11-27T07:{minute:02d}:00+0000",
        "permalink": f"https://www.instagram.com/p/{mid}/",
        "media_type": "IMAGE",
        "like_count": 12,
        "comments_count": 2,
        "username": "villedesaintmalo",
        **more,
    }


@pytest.fixture
async def graph(platform):
    stand_in = await platform("graph")
    stand_in.add(
        f"/{IG}/media",
        media("m1", 10, "La plage du Sillon ce matin"),
        media("m2", 20, "Concert ce soir"),
        {"id": "m-bad"},
    )
    reply = {
        "id": "r1",
        "text": "D'accord",
        "timestamp": "2026-11-27T07:13:00+0000",
        "username": "bob",
        "like_count": 0,
    }
    stand_in.add(
        "/m1/comments",
        {
            "id": "k1",
            "text": "Plage sale, quelle honte",
            "timestamp": "2026-11-27T07:12:00+0000",
            "username": "alice",
            "like_count": 4,
            "replies": {"data": [reply]},
        },
    )
    stand_in.add(f"/{IG}/tags", media("t1", 15, "Tempête sur les remparts @villedesaintmalo", username="visiteur"))
    stand_in.objects["/ig_hashtag_search"] = {"data": [{"id": "17843853986012965"}]}
    stand_in.add(
        "/17843853986012965/recent_media", media("h1", 25, "#saintmalo les remparts sous la pluie", username=None)
    )
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield stand_in, client


def source(stand_in: Any, client: httpx.AsyncClient, clock: Any, **kwargs: Any) -> InstagramAccountSource:
    return InstagramAccountSource(
        client,
        clock,
        ig_user_id=IG,
        token="page-token-1",
        territory="saint-malo",
        api_url=stand_in.base,
        hashtags=("#SaintMalo",),
        **kwargs,
    )


async def test_media_comments_replies_tags_and_hashtags(graph, clock, make_pipeline, sink) -> None:
    stand_in, client = graph
    ig = source(stand_in, client, clock)
    ig.restore(None)
    batch = await ig.poll()
    by_id = {i.native_id: i for i in batch.items}
    assert list(by_id) == ["m1", "m2", "k1", "r1", "t1", "h1"]
    assert by_id["k1"].parent_id == "m1" and by_id["r1"].parent_id == "k1"
    assert by_id["t1"].extra["origin"] == "tag" and by_id["t1"].preset_territories == ("saint-malo",)
    assert by_id["h1"].preset_territories == () and by_id["h1"].extra["hashtag"] == "saintmalo"
    assert [r.error_class for r in batch.rejected] == ["validation"]
    assert batch.cursor is not None and batch.cursor["hashtag_ids"] == {"saintmalo": "17843853986012965"}
    await make_pipeline().process(batch)
    assert {m.native_id for m in sink.mentions()} == {"m1", "m2", "k1", "r1", "t1", "h1"}  # h1 matched by its text


async def test_a_hashtag_id_is_looked_up_once_even_across_restarts(graph, clock) -> None:
    stand_in, client = graph
    ig = source(stand_in, client, clock)
    ig.restore(None)
    first = await ig.poll()
    restarted = source(stand_in, client, clock)
    restarted.restore(first.cursor)
    await restarted.poll()
    assert [p for p, _ in stand_in.requests].count("/ig_hashtag_search") == 1


def test_more_than_thirty_hashtags_is_refused(clock) -> None:
    with pytest.raises(ValueError, match="30 hashtags"):
        InstagramAccountSource(
            httpx.AsyncClient(),
            clock,
            ig_user_id=IG,
            token="t",
            territory="saint-malo",
            hashtags=tuple(f"t{i}" for i in range(31)),
        )


async def test_a_mentioning_caption_is_read_for_the_webhook(graph, clock) -> None:
    stand_in, client = graph
    stand_in.objects[f"/{IG}"] = {
        "mentioned_media": media("x9", 50, "Merci @villedesaintmalo pour la fête", username="fan"),
        "id": IG,
    }
    item = await source(stand_in, client, clock).mentioned("x9", None)
    assert isinstance(item, CollectedItem) and item.native_id == "x9" and item.extra["origin"] == "mention"
    fields = next(q for p, q in stand_in.requests if p == f"/{IG}")["fields"]
    assert fields.startswith("mentioned_media.media_id(x9)")
