"""X API v2 recent search against a stand-in on 127.0.0.1: since_id and next_token, expansions, rate-limit
headers and 429, a refused token, a refused query and a malformed post.

The stand-in's answers follow X's documentation:
* GET /2/tweets/search/recent: https://docs.x.com/x-api/posts/search-recent-posts — ``{"data": [post...],
  "includes": {"users": [...], "media": [...]}, "meta": {"newest_id", "oldest_id", "result_count",
  "next_token"}}``, newest first; no result: ``{"meta": {"result_count": 0}}``;
* the post object: https://docs.x.com/x-api/fundamentals/data-dictionary — ``public_metrics``
  (``retweet_count``, ``reply_count``, ``like_count``, ``quote_count``, ``bookmark_count``, ``impression_count``),
  ``referenced_tweets`` (``{"type": "replied_to" | "quoted" | "retweeted", "id"}``), ``note_tweet``,
  ``entities.urls[].expanded_url``, ``attachments.media_keys`` and media ``alt_text``;
* rate limits: https://docs.x.com/x-api/fundamentals/rate-limits — ``x-rate-limit-remaining``,
  ``x-rate-limit-reset`` (epoch seconds), 429 ``{"title": "Too Many Requests", "status": 429}``;
* 401: ``{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from aiohttp import web

from vigie.collector.errors import FetchError
from vigie.collector.sources.x import XSource, build_queries

TOKEN = "AAAA-bearer-test"
QUERY = '("Saint-Malo" OR #SaintMalo) -is:retweet'


def post(pid: int, text: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": str(pid),
        "text": text,
        "created_at": f"2026-11-27T07:{pid % 60:02d}:00.000Z",
        "author_id": "2244994945",
        "lang": "fr",
        "conversation_id": str(pid),
        "public_metrics": {
            "retweet_count": 3,
            "reply_count": 2,
            "like_count": 10,
            "quote_count": 1,
            "bookmark_count": 0,
            "impression_count": 812,
        },
        "edit_history_tweet_ids": [str(pid)],
        **fields,
    }


class XStandIn:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.posts = [
            post(5, "Saint-Malo : la digue du Sillon fermée", referenced_tweets=[{"type": "quoted", "id": "1"}]),
            post(4, "@VilleStMalo la plage est interdite ?", referenced_tweets=[{"type": "replied_to", "id": "2"}]),
            {"id": "3", "text": "no date"},
            post(
                2,
                "Photo #SaintMalo",
                lang="qme",
                attachments={"media_keys": ["3_1"]},
                entities={"urls": [{"expanded_url": "https://www.ouest-france.fr/a"}]},
            ),
        ]
        self.remaining = 100
        self.reset_at = 0
        self.status: int | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/2/tweets/search/recent", self.search)
        return app

    async def search(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.requests.append(query)
        headers = {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset_at),
        }
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            body = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            return web.json_response(body, status=401)
        if self.status == 429:
            return web.json_response(
                {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
                status=429,
                headers=headers,
            )
        if self.status == 400:
            body = {
                "errors": [{"parameters": {"since_id": [query.get("since_id")]}, "message": "Invalid 'since_id'"}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            }
            return web.json_response(body, status=400, headers=headers)
        since = int(query.get("since_id", "0"))
        chosen = [p for p in self.posts if int(p["id"]) > since]
        start = int(query.get("next_token", "0"))
        page = chosen[start : start + 2]
        if not page:
            return web.json_response({"meta": {"result_count": 0}}, headers=headers)
        meta: dict[str, Any] = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if start + 2 < len(chosen):
            meta["next_token"] = str(start + 2)
        includes = {
            "users": [
                {
                    "id": "2244994945",
                    "name": "Marc",
                    "username": "marc_sm",
                    "public_metrics": {"followers_count": 1200, "following_count": 10},
                }
            ],
            "media": [{"media_key": "3_1", "type": "photo", "alt_text": "Vagues sur la digue de Saint-Malo"}],
        }
        return web.json_response({"data": page, "includes": includes, "meta": meta}, headers=headers)


@pytest.fixture
async def x_api(serve):
    stand_in = XStandIn()
    base = await serve(stand_in.app())
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield stand_in, base, client


def make_source(base: str, client: httpx.AsyncClient, clock: Any, token: str = TOKEN) -> XSource:
    return XSource(client, clock, bearer_token=token, queries=(QUERY,), api_url=base)


async def test_pages_expansions_replies_quotes_and_a_dead_letter(x_api, clock, make_pipeline, sink) -> None:
    stand_in, base, client = x_api
    source = make_source(base, client, clock)
    source.restore(None)
    batch = await source.poll()
    assert [i.native_id for i in batch.items] == ["2", "4", "5"]  # oldest first
    assert [r.error_class for r in batch.rejected] == ["validation"]
    assert stand_in.requests[0]["expansions"].startswith("author_id,referenced_tweets.id")
    assert "public_metrics" in stand_in.requests[0]["tweet.fields"] and stand_in.requests[1]["next_token"] == "2"
    assert batch.cursor == {"since": {QUERY: "5"}}

    await make_pipeline().process(batch)
    (letter,) = sink.dead_letters()
    assert letter.reason.startswith("x x.com: invalid post")
    mentions = {m.native_id: m for m in sink.mentions()}
    assert mentions["5"].quoted_id == "1" and mentions["4"].parent_id == "2"
    five = mentions["5"]
    assert five.engagement.views == 812 and five.engagement.likes == 10 and five.engagement.shares == 3
    assert five.author.handle == "marc_sm" and five.author.followers == 1200 and five.language == "fr"
    assert five.url == "https://x.com/marc_sm/status/5" and five.extra["quote_count"] == 1
    photo = mentions["2"]
    assert photo.text.endswith("Vagues sur la digue de Saint-Malo") and photo.language is None
    assert photo.extra["link_url"] == "https://www.ouest-france.fr/a"
    assert TOKEN not in repr(source)


async def test_since_id_after_a_restart(x_api, clock) -> None:
    stand_in, base, client = x_api
    source = make_source(base, client, clock)
    source.restore(None)
    first = await source.poll()
    stand_in.posts.insert(0, post(7, "Saint-Malo : marée record"))
    restarted = make_source(base, client, clock)
    restarted.restore(first.cursor)
    stand_in.requests.clear()
    second = await restarted.poll()
    assert stand_in.requests[0]["since_id"] == "5"
    assert [i.native_id for i in second.items] == ["7"]
    assert second.cursor == {"since": {QUERY: "7"}}


async def test_exhausted_rate_limit_waits_until_the_reset(x_api, clock) -> None:
    stand_in, base, client = x_api
    stand_in.remaining, stand_in.reset_at = 0, int(clock.time()) + 120
    source = make_source(base, client, clock)
    source.restore(None)
    await source.poll()
    assert clock.sleeps and clock.sleeps[0] == pytest.approx(120)


async def test_429_is_retried_after_the_reset(x_api, clock) -> None:
    stand_in, base, client = x_api
    stand_in.status, stand_in.reset_at = 429, int(clock.time()) + 900
    source = make_source(base, client, clock)
    source.restore(None)
    with pytest.raises(FetchError) as failure:
        await source.poll()
    assert failure.value.reason == "http_429" and failure.value.retry_after == pytest.approx(900)


async def test_a_refused_token_is_a_clear_credentials_error(x_api, clock) -> None:
    _, base, client = x_api
    source = make_source(base, client, clock, token="expired")
    source.restore(None)
    with pytest.raises(FetchError) as failure:
        await source.poll()
    assert failure.value.reason == "credentials" and "VIGIE_COLLECTOR_X_BEARER_TOKEN" in str(failure.value)
    assert "expired" not in str(failure.value)


async def test_a_refused_query_forgets_its_since_id_and_says_so(x_api, clock) -> None:
    stand_in, base, client = x_api
    stand_in.status = 400
    source = make_source(base, client, clock)
    source.restore({"since": {QUERY: "1"}})
    batch = await source.poll()
    assert [reason for reason, _ in batch.problems] == ["x_query"]
    assert batch.cursor == {"since": {}}


def test_queries_fit_the_length_limit() -> None:
    assert build_queries(("Saint-Malo",), ("SaintMalo",), "-is:retweet", 512) == [
        '("Saint-Malo" OR #SaintMalo) -is:retweet'
    ]
    many = build_queries(tuple(f"Commune numéro {n}" for n in range(80)), (), "-is:retweet lang:fr", 512)
    assert len(many) > 1 and all(len(q) <= 512 for q in many)
