"""Reddit against a stand-in on 127.0.0.1: OAuth client-credentials token, listings, token renewal on 401."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from aiohttp import web

from vigie.collector.errors import FetchError
from vigie.collector.items import RejectedInput
from vigie.collector.sources.reddit import RedditSource


def child(kind: str, name: str, created: float, **data: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "data": {
            "name": name,
            "created_utc": created,
            "subreddit": "france",
            "author": "u_marc",
            "author_fullname": "t2_marc",
            "permalink": f"/r/france/comments/{name}/",
            "score": 12,
            "num_comments": 4,
            **data,
        },
    }


class RedditStandIn:
    def __init__(self) -> None:
        self.tokens_issued = 0
        self.valid_token = "tok-1"
        self.auth_headers: list[str] = []
        self.posts = [
            child("t3", "t3_a", 1_795_000_000, title="Saint-Malo : la digue du Sillon fissurée", selftext="Photos"),
            child("t3", "t3_b", 1_795_000_100, title="Question impôts", selftext="rien"),
        ]
        self.comments = [
            child("t1", "t1_c", 1_795_000_050, body="À Lyon c'est pareil", link_title="Grève"),
            {"kind": "t1", "data": {"name": "t1_bad"}},
        ]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/v1/access_token", self.token)
        app.router.add_get("/r/{sub}/new", self.listing)
        app.router.add_get("/r/{sub}/comments", self.listing)
        return app

    async def token(self, request: web.Request) -> web.Response:
        self.auth_headers.append(request.headers.get("Authorization", ""))
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        self.tokens_issued += 1
        return web.json_response({"access_token": self.valid_token, "token_type": "bearer", "expires_in": 86400})

    async def listing(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"bearer {self.valid_token}":
            return web.json_response({"message": "Unauthorized"}, status=401)
        children = self.comments if request.path.endswith("/comments") else self.posts
        newest_first = sorted(children, key=lambda c: -c["data"].get("created_utc", 0))
        return web.json_response(
            {"kind": "Listing", "data": {"children": newest_first}},
            headers={"X-Ratelimit-Remaining": "99", "X-Ratelimit-Reset": "30"},
        )


@pytest.fixture
async def reddit(serve):
    stand_in = RedditStandIn()
    base = await serve(stand_in.app())
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield stand_in, base, client


def make_source(base: str, client: httpx.AsyncClient, clock: Any, secret: str = "s3cret") -> RedditSource:
    return RedditSource(
        client, clock, client_id="app-id", client_secret=secret, subreddits=("france",), auth_url=base, api_url=base
    )


async def test_posts_and_comments_with_a_client_credentials_token(reddit, clock, make_pipeline, sink) -> None:
    stand_in, base, client = reddit
    source = make_source(base, client, clock)
    source.restore(None)
    batch = await source.poll()
    assert [i.native_id for i in batch.items] == ["t3_a", "t3_b", "t1_c"]
    assert batch.items[0].url == "https://www.reddit.com/r/france/comments/t3_a/"
    assert batch.items[0].instance == "r/france" and batch.items[2].title == "Grève"
    assert [r.error_class for r in batch.rejected] == ["validation"]
    expected = "Basic " + base64.b64encode(b"app-id:s3cret").decode()
    assert stand_in.auth_headers == [expected]
    await make_pipeline().process(batch)
    assert {m.territory_id for m in sink.mentions()} == {"saint-malo", "lyon"}
    assert "s3cret" not in repr(source)


async def test_cursor_skips_older_items_after_restart(reddit, clock) -> None:
    stand_in, base, client = reddit
    source = make_source(base, client, clock)
    source.restore(None)
    first = await source.poll()
    stand_in.posts.append(child("t3", "t3_new", 1_795_000_200, title="Nice : nouvelle piste cyclable", selftext=""))
    restarted = make_source(base, client, clock)
    restarted.restore(first.cursor)
    second = await restarted.poll()
    assert [i.native_id for i in second.items] == ["t3_b", "t3_new", "t1_c"]  # same-second items are left to dedup


async def test_expired_token_is_renewed_once_on_401(reddit, clock) -> None:
    stand_in, base, client = reddit
    source = make_source(base, client, clock)
    source.restore(None)
    await source.poll()
    stand_in.valid_token = "tok-2"
    batch = await source.poll()
    assert stand_in.tokens_issued == 2
    assert [i.native_id for i in batch.items] == ["t3_b", "t1_c"]  # newest of each listing again (dedup drops)


async def test_rejected_credentials_are_a_fetch_error(serve, clock) -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"error": "invalid_client"}, status=401)

    app = web.Application()
    app.router.add_post("/api/v1/access_token", refuse)
    base = await serve(app)
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        source = make_source(base, client, clock)
        source.restore(None)
        with pytest.raises(FetchError) as failure:
            await source.poll()
    assert failure.value.reason == "http_401"


async def test_an_item_dated_in_the_future_does_not_carry_the_cursor_past_real_items(reddit, clock) -> None:
    """Before: the cursor became 2096's creation time and every later real item was skipped as older."""
    stand_in, base, client = reddit
    stand_in.posts.append(child("t3", "t3_future", 4_000_000_000, title="Saint-Malo en 2096", selftext=""))
    source = make_source(base, client, clock)
    source.restore(None)
    first = await source.poll()
    assert "t3_future" in [i.native_id for i in first.items]  # kept: the pipeline clamps its date
    stand_in.posts.append(child("t3", "t3_later", 1_795_000_300, title="Nice : la promenade rouvre", selftext=""))
    restarted = make_source(base, client, clock)
    restarted.restore(first.cursor)
    second = await restarted.poll()
    assert "t3_later" in [i.native_id for i in second.items]


# Bodies as Reddit's listings carry them (praw's recorded cassettes: Markdown in ``selftext``/``body``,
# ``&amp;``/``&lt;``/``&gt;`` escaped when ``raw_json`` is not honoured, ``is_self``/``url`` on posts).
async def test_markdown_bodies_keep_angle_brackets_and_links(clock) -> None:
    async with httpx.AsyncClient() as client:
        source = make_source("http://127.0.0.1:9", client, clock)
        comment = source.item(
            child("t1", "t1_m", 1_795_000_000, body="Traceback, in <module>\n\nprix: 5<b>10 euros", link_title="Bug")
        )
        post = source.item(
            child(
                "t3",
                "t3_m",
                1_795_000_000,
                title="Tom &amp; Jerry",
                selftext="Voir [la mairie](https://www.nice.fr/a) &lt;vite&gt; &amp;lt;",
                is_self=True,
            )
        )
    assert not isinstance(comment, RejectedInput) and not isinstance(post, RejectedInput)
    assert comment.text == "Traceback, in <module>\nprix: 5<b>10 euros"
    assert post.text == "Voir la mairie (https://www.nice.fr/a) <vite> &lt;"
    assert post.title == "Tom & Jerry"


async def test_link_posts_keep_the_external_url_and_the_permalink(clock) -> None:
    async with httpx.AsyncClient() as client:
        source = make_source("http://127.0.0.1:9", client, clock)
        link = source.item(
            child("t3", "t3_l", 1_795_000_000, title="Article", selftext="", is_self=False, url="https://ex.org/a")
        )
        self_post = source.item(child("t3", "t3_s", 1_795_000_000, title="Q", selftext="?", is_self=True))
    assert not isinstance(link, RejectedInput) and not isinstance(self_post, RejectedInput)
    assert link.url == "https://ex.org/a"
    assert link.extra["permalink"] == "https://www.reddit.com/r/france/comments/t3_l/"
    assert self_post.url == "https://www.reddit.com/r/france/comments/t3_s/"
