"""YouTube Data API v3 against a stand-in on 127.0.0.1: search pages, videos, comment threads and replies,
quota accounting, Google's quotaExceeded and a refused API key.

The stand-in's answers follow the documented resources:
* search.list: https://developers.google.com/youtube/v3/docs/search/list (``youtube#searchListResponse``,
  ``nextPageToken``, items ``{"id": {"kind": "youtube#video", "videoId"}, "snippet": {...}}``);
* videos.list: https://developers.google.com/youtube/v3/docs/videos#resource (``snippet``, ``statistics`` with
  counts as strings: ``"viewCount": "1234"``);
* commentThreads.list: https://developers.google.com/youtube/v3/docs/commentThreads#resource (``snippet.videoId``,
  ``snippet.topLevelComment`` a comment resource, ``snippet.totalReplyCount``, ``replies.comments``);
* comments: https://developers.google.com/youtube/v3/docs/comments#resource (``snippet.textOriginal``,
  ``authorDisplayName``, ``authorChannelId.value``, ``parentId``, ``likeCount``, ``publishedAt``);
* the key in the ``X-Goog-Api-Key`` header (https://cloud.google.com/docs/authentication/api-keys-use);
* errors: https://developers.google.com/youtube/v3/docs/errors (``{"error": {"code": 403, "errors": [{"domain":
  "youtube.quota", "reason": "quotaExceeded"}]}}``; a bad key: 400 ``keyInvalid`` / ``API_KEY_INVALID``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web

from tests.support.waiting import eventually
from vigie.collector.errors import FetchError
from vigie.collector.runner import SourceRunner
from vigie.collector.sources.quota import DailyQuota, next_reset, quota_day
from vigie.collector.sources.youtube import YouTubeSource

KEY = "AIza-test-key"


def comment(cid: str, text: str, at: str, *, video: str, parent: str | None = None, likes: int = 0) -> dict[str, Any]:
    snippet: dict[str, Any] = {
        "videoId": video,
        "textDisplay": text,
        "textOriginal": text,
        "authorDisplayName": f"@user-{cid}",
        "authorChannelId": {"value": f"UC-author-{cid}"},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": likes,
        "publishedAt": at,
        "updatedAt": at,
    }
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e", "id": cid, "snippet": snippet}


def thread(top: dict[str, Any], replies: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "youtube#commentThread",
        "etag": "e",
        "id": top["id"],
        "snippet": {
            "channelId": "UC-channel",
            "videoId": top["snippet"]["videoId"],
            "topLevelComment": top,
            "canReply": True,
            "totalReplyCount": len(replies) if total is None else total,
            "isPublic": True,
        },
    }
    if replies:
        out["replies"] = {"comments": replies}
    return out


def video(vid: str, title: str, at: str, **stats: str) -> dict[str, Any]:
    return {
        "kind": "youtube#video",
        "etag": "e",
        "id": vid,
        "snippet": {
            "publishedAt": at,
            "channelId": f"UC-{vid}",
            "title": title,
            "description": f"Description de {title}",
            "channelTitle": f"Chaîne {vid}",
            "tags": ["plage", "tempête"],
            "defaultAudioLanguage": "fr-FR",
        },
        "statistics": {"viewCount": "1500", "likeCount": "40", "commentCount": "3", **stats},
    }


class YouTubeStandIn:
    def __init__(self) -> None:
        self.valid_key = KEY
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.quota_exceeded = False
        self.search_items: list[Any] | None = None  # served instead of the search results when set
        self.thread_page = 100  # comment threads per page (maxResults)
        self.rate_limited = False
        self.forbidden: set[str] = set()  # resources answering 403 forbidden
        self.videos = {
            "v1": video("v1", "Tempête à Saint-Malo : la digue submergée", "2026-11-27T06:00:00Z"),
            "v2": video("v2", "Saint-Malo, les remparts sous la pluie", "2026-11-27T06:30:00Z"),
        }
        self.search_pages = [["v2"], ["v1"]]  # newest first, two pages
        self.threads: dict[str, list[dict[str, Any]]] = {
            "v1": [
                thread(
                    comment("c2", "La digue a tenu ?", "2026-11-27T07:10:00Z", video="v1"),
                    [comment("c2.r1", "Oui, de justesse", "2026-11-27T07:20:00Z", video="v1", parent="c2")],
                    total=2,
                ),
                thread(comment("c1", "Impressionnant", "2026-11-27T07:00:00Z", video="v1", likes=5), []),
            ],
            "v2": [{"kind": "youtube#commentThread", "id": "broken", "snippet": {"videoId": "v2"}}],
        }
        self.more_replies = {
            "c2": [
                comment("c2.r1", "Oui, de justesse", "2026-11-27T07:20:00Z", video="v1", parent="c2"),
                comment("c2.r2", "Les vagues passaient par-dessus", "2026-11-27T07:25:00Z", video="v1", parent="c2"),
            ]
        }
        self.channel_threads = [
            thread(comment("ch1", "Merci pour les infos !", "2026-11-27T07:30:00Z", video="v-own"), []),
        ]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/youtube/v3/{resource}", self.handle)
        return app

    @staticmethod
    def error(status: int, reason: str, domain: str = "global") -> web.Response:
        message = {"quotaExceeded": "The request cannot be completed because you have exceeded your quota."}
        body = {
            "error": {
                "code": status,
                "message": message.get(reason, reason),
                "errors": [{"message": message.get(reason, reason), "domain": domain, "reason": reason}],
            }
        }
        return web.json_response(body, status=status)

    async def handle(self, request: web.Request) -> web.Response:
        resource, query = request.match_info["resource"], dict(request.query)
        self.requests.append((resource, query))
        if request.headers.get("X-Goog-Api-Key") != self.valid_key or "key" in query:
            body = {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "errors": [{"message": "API key not valid.", "domain": "global", "reason": "badRequest"}],
                    "status": "INVALID_ARGUMENT",
                    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
                }
            }
            return web.json_response(body, status=400)
        if self.quota_exceeded:
            return self.error(403, "quotaExceeded", "youtube.quota")
        if self.rate_limited:
            return self.error(403, "rateLimitExceeded", "youtube.quota")
        if resource in self.forbidden:
            return self.error(403, "forbidden")
        if resource == "search":
            page = int(query.get("pageToken", "0"))
            ids = self.search_pages[page] if page < len(self.search_pages) else []
            after = query.get("publishedAfter")
            ids = [v for v in ids if after is None or self.videos[v]["snippet"]["publishedAt"] > after]
            items = [
                {
                    "kind": "youtube#searchResult",
                    "id": {"kind": "youtube#video", "videoId": v},
                    "snippet": self.videos[v]["snippet"],
                }
                for v in ids
            ]
            if self.search_items is not None:
                items = self.search_items
            body: dict[str, Any] = {
                "kind": "youtube#searchListResponse",
                "items": items,
                "pageInfo": {"totalResults": 2, "resultsPerPage": 50},
            }
            if page + 1 < len(self.search_pages):
                body["nextPageToken"] = str(page + 1)
            return web.json_response(body)
        if resource == "videos":
            ids = query["id"].split(",")
            return web.json_response(
                {"kind": "youtube#videoListResponse", "items": [self.videos[v] for v in ids if v in self.videos]}
            )
        if resource == "commentThreads":
            if "allThreadsRelatedToChannelId" in query:
                items = self.channel_threads
            elif query["videoId"] == "v-disabled":
                return self.error(403, "commentsDisabled")
            else:
                items = self.threads.get(query["videoId"], [])
            start = int(query.get("pageToken", "0"))
            body = {"kind": "youtube#commentThreadListResponse", "items": items[start : start + self.thread_page]}
            if start + self.thread_page < len(items):
                body["nextPageToken"] = str(start + self.thread_page)
            return web.json_response(body)
        if resource == "comments":
            return web.json_response(
                {"kind": "youtube#commentListResponse", "items": self.more_replies.get(query["parentId"], [])}
            )
        return web.json_response({}, status=404)


@pytest.fixture
async def youtube(serve):
    stand_in = YouTubeStandIn()
    base = await serve(stand_in.app())
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield stand_in, f"{base}/youtube/v3", client


def make_source(api_url: str, client: httpx.AsyncClient, clock: Any, **kwargs: Any) -> YouTubeSource:
    options: dict[str, Any] = {
        "api_key": KEY,
        "territory_id": "saint-malo",
        "terms": ("Saint-Malo", "St-Malo"),
        "hashtags": ("SaintMalo",),
        "channel_id": "UC-own",
        "max_search_pages": 2,
        "paced": False,
        "api_url": api_url,
        **kwargs,
    }
    return YouTubeSource(client, clock, **options)


async def test_videos_comments_and_replies_keep_their_structure(youtube, clock, make_pipeline, sink) -> None:
    stand_in, api, client = youtube
    source = make_source(api, client, clock)
    source.restore(None)
    batch = await source.poll()
    ids = [i.native_id for i in batch.items]
    assert ids[:2] == ["v2", "v1"]
    assert set(ids[2:]) == {"c2", "c2.r1", "c2.r2", "c1", "ch1"}
    assert [r.error_class for r in batch.rejected] == ["validation"]  # the broken thread, alone
    search = [q for r, q in stand_in.requests if r == "search"]
    assert search[0]["q"] == '"Saint-Malo"|"St-Malo"|#SaintMalo' and search[0]["type"] == "video"
    assert search[0]["publishedAfter"] == "2026-11-20T08:00:00Z"  # the first run looks back a comment window
    assert search[1]["pageToken"] == "1"
    # 2 search pages (200) + videos.list (1) + 2 video threads + 1 channel thread + 1 comments.list (replies)
    assert source.quota.spent == 205

    await make_pipeline().process(batch)
    (letter,) = sink.dead_letters()
    assert "invalid comment thread" in letter.reason and letter.error_class == "validation"
    mentions = {m.native_id: m for m in sink.mentions()}
    v1 = mentions["v1"]
    assert v1.engagement.views == 1500 and v1.engagement.likes == 40 and v1.engagement.replies == 3
    assert v1.language == "fr" and v1.url == "https://www.youtube.com/watch?v=v1" and v1.parent_id is None
    assert mentions["c1"].parent_id == "v1" and mentions["c1"].engagement.likes == 5
    assert mentions["c2.r2"].parent_id == "c2" and mentions["c2.r2"].title == v1.title
    assert mentions["c2"].engagement.replies == 2
    assert mentions["ch1"].territory_id == "saint-malo"  # on the territory's own channel: the territory's
    assert mentions["c2"].url == "https://www.youtube.com/watch?v=v1&lc=c2"
    assert KEY not in repr(source)


async def test_malformed_search_results_are_dead_lettered_alone(youtube, clock) -> None:
    """Before: a search result that was not an object, or whose id was a string, raised out of the poll."""
    stand_in, api, client = youtube
    stand_in.search_items = [
        "v9",
        {"id": "v9"},
        {"id": {"kind": "youtube#channel", "channelId": "UC"}},
        {"kind": "youtube#searchResult", "id": {"kind": "youtube#video", "videoId": "v1"}},
    ]
    source = make_source(api, client, clock)
    source.restore(None)
    batch = await source.poll()
    assert [r.reason for r in batch.rejected][:3] == ["invalid search result: no id.videoId"] * 3
    assert "v1" in [i.native_id for i in batch.items]


async def test_cursor_asks_only_for_newer_videos_and_stops_at_seen_comments(youtube, clock) -> None:
    stand_in, api, client = youtube
    source = make_source(api, client, clock)
    source.restore(None)
    first = await source.poll()
    assert first.cursor is not None and first.cursor["published_after"] == "2026-11-27T06:30:00Z"
    restarted = make_source(api, client, clock)
    restarted.restore(first.cursor)
    stand_in.requests.clear()
    assert await restarted.poll() and not [r for r, _ in stand_in.requests if r == "search"]  # not yet
    clock.current += timedelta(seconds=2700)
    second = await restarted.poll()
    search = [q for r, q in stand_in.requests if r == "search"]
    assert search[0]["publishedAfter"] == "2026-11-27T06:30:00Z"
    assert not [r for r, _ in stand_in.requests if r == "videos"]  # nothing new to describe
    assert {i.native_id for i in second.items} <= {"c2", "c2.r1", "c2.r2", "c1", "ch1"}  # dedup drops these
    # the day's spending carries over: two polls of comments (4 units each), one search of two pages
    assert restarted.quota.spent == first.cursor["quota"]["spent"] + 4 + 200 + 4


async def test_comment_pages_are_read_down_to_the_newest_comment_already_seen(youtube, clock) -> None:
    stand_in, api, client = youtube
    stand_in.thread_page = 1
    source = make_source(api, client, clock, max_comment_pages=5)
    source.restore(None)
    first = await source.poll()
    v1_pages = [q for r, q in stand_in.requests if r == "commentThreads" and q.get("videoId") == "v1"]
    assert len(v1_pages) == 2 and v1_pages[1]["pageToken"] == "1"
    assert first.cursor is not None and first.cursor["comments"]["video:v1"] == "2026-11-27T07:10:00Z"

    new = comment("c3", "Toujours fermée ce matin", "2026-11-27T07:40:00Z", video="v1")
    stand_in.threads["v1"].insert(0, thread(new, []))
    stand_in.requests.clear()
    restarted = make_source(api, client, clock, max_comment_pages=5)
    restarted.restore(first.cursor)
    second = await restarted.poll()
    v1_pages = [q for r, q in stand_in.requests if r == "commentThreads" and q.get("videoId") == "v1"]
    assert len(v1_pages) == 2  # c3 is new, c2 was seen: no third page
    assert "c3" in [i.native_id for i in second.items]
    assert (second.cursor or {})["comments"]["video:v1"] == "2026-11-27T07:40:00Z"


async def test_budget_spent_skips_the_search_and_says_so_once(youtube, clock, sample, make_pipeline) -> None:
    stand_in, api, client = youtube
    source = make_source(api, client, clock, daily_budget=150)
    source.restore(None)
    batch = await source.poll()
    assert [r for r, _ in stand_in.requests if r == "search"] == ["search"]  # the second page cannot be paid
    assert [reason for reason, _ in batch.problems] == ["quota_spent"]
    assert "midnight Pacific" in batch.problems[0][1] and "saint-malo" in batch.problems[0][1]
    again = await source.poll()
    assert again.problems == []  # said once a day


async def test_quota_exceeded_is_budget_spent_until_the_reset_not_a_retry_storm(
    youtube, clock, make_pipeline, metrics, sample
) -> None:
    import asyncio

    stand_in, api, client = youtube
    stand_in.quota_exceeded = True
    source = make_source(api, client, clock)
    runner = SourceRunner(source, make_pipeline(), metrics, clock)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await eventually(lambda: runner.batches_done >= 100, within=30)  # 100 polls 15 minutes apart: 25 hours
    stop.set()
    await task

    # one refused request a day (the test clock starts at 08:00 UTC, midnight in Los Angeles): the polls in
    # between send nothing, yet yield batches, so the source is alive, not stale
    def day(poll: int) -> object:
        return quota_day(datetime.fromtimestamp(1_795_766_400 + 900 * poll, UTC))

    days = {day(n) for n in range(runner.batches_done)}
    # The stop cancels the poll under way: if it is a new day's first, its request may have been sent.
    in_flight = 0 if day(runner.batches_done) in days else 1
    assert len(stand_in.requests) in {len(days), len(days) + in_flight} and len(days) >= 2
    assert sample("vigie_collector_fetch_errors_total", source="youtube", reason="quota_exceeded") == len(days)
    assert sample("vigie_collector_fetch_errors_total", source="youtube", reason="quota_spent") == 0
    assert sample("vigie_collector_source_up", source="youtube") == 1
    assert sample("vigie_collector_last_success_timestamp_seconds", source="youtube") >= clock.time() - 900


async def test_a_refused_key_is_a_clear_credentials_error(youtube, clock) -> None:
    _, api, client = youtube
    source = make_source(api, client, clock, api_key="wrong")
    source.restore(None)
    with pytest.raises(FetchError) as failure:
        await source.poll()
    assert failure.value.reason == "credentials"
    assert "VIGIE_COLLECTOR_YOUTUBE_API_KEY" in str(failure.value) and "API_KEY_INVALID" in str(failure.value)
    assert "wrong" not in str(failure.value)


async def test_forbidden_on_one_video_drops_it_forbidden_on_the_search_is_the_key(youtube, clock) -> None:
    stand_in, api, client = youtube
    stand_in.threads["v1"] = []
    stand_in.forbidden = {"commentThreads"}
    source = make_source(api, client, clock)
    source.restore(None)
    batch = await source.poll()  # the comments of v1 and v2 are forbidden: both dropped, the videos kept
    assert {"v1", "v2"} <= {i.native_id for i in batch.items} and (batch.cursor or {})["videos"] == {}
    stand_in.forbidden = {"search"}
    with pytest.raises(FetchError) as failure:
        await make_source(api, client, clock).poll()
    assert failure.value.reason == "credentials"


async def test_a_per_minute_rate_limit_is_retried_and_leaves_the_day_budget(youtube, clock) -> None:
    stand_in, api, client = youtube
    stand_in.rate_limited = True
    source = make_source(api, client, clock)
    source.restore(None)
    with pytest.raises(FetchError) as failure:
        await source.poll()
    assert failure.value.reason == "http_429" and failure.value.retry_after == 60
    assert not source.quota.exhausted(clock.now(), 100)


async def test_comments_disabled_drops_the_video_not_the_source(youtube, clock) -> None:
    _, api, client = youtube
    source = make_source(api, client, clock)
    source.restore({"videos": {"v-disabled": {"at": "2026-11-27T05:00:00Z", "title": "x"}}})
    batch = await source.poll()
    assert "v-disabled" not in (batch.cursor or {})["videos"]
    assert "c1" in {i.native_id for i in batch.items}


async def test_rate_limit_and_server_errors_are_retryable_with_retry_after(serve, clock) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.json_response({"error": {"code": 429}}, status=429, headers={"Retry-After": "30"})

    app = web.Application()
    app.router.add_get("/youtube/v3/{resource}", busy)
    base = await serve(app)
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        source = make_source(f"{base}/youtube/v3", client, clock)
        source.restore(None)
        with pytest.raises(FetchError) as failure:
            await source.poll()
    assert failure.value.reason == "http_429" and failure.value.retry_after == 30


def test_the_quota_day_is_pacific_and_resets_at_its_midnight() -> None:
    before = datetime(2026, 11, 27, 7, 59, tzinfo=UTC)  # 23:59 in Los Angeles (PST, UTC-8)
    after = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert quota_day(before) == "2026-11-26" and quota_day(after) == "2026-11-27"
    assert next_reset(before) == after
    assert next_reset(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)  # PDT
    quota = DailyQuota(150)
    assert quota.spend(100, before) and not quota.spend(100, before) and quota.spend(100, after)


async def test_a_paced_source_defers_searches_not_the_reading_of_what_they_found(youtube, clock) -> None:
    stand_in, api, client = youtube
    stand_in.search_pages.append([])  # a third page, that the allowance cannot pay yet
    source = make_source(api, client, clock, paced=True, daily_budget=800, max_search_pages=3)
    source.restore(None)
    batch = await source.poll()  # at midnight Pacific: an allowance of 200 units, two search pages
    assert [r for r, _ in stand_in.requests].count("search") == 2
    assert {"v1", "v2", "c1"} <= {i.native_id for i in batch.items} and batch.problems == []


def test_a_paced_budget_is_spread_over_the_pacific_day() -> None:
    quota = DailyQuota(4800, paced=True)  # 200 units an hour, plus a burst of 600
    midnight = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert quota.allowance(midnight) == 600
    searches = [quota.spend(100, midnight, deferrable=True) for _ in range(10)]
    assert sum(searches) == 6  # the burst, then nothing more for now
    assert quota.spend(1, midnight)  # reading what the searches found is not deferred
    later = midnight + timedelta(hours=1)
    assert not quota.spend(100, midnight + timedelta(minutes=20), deferrable=True)
    assert quota.spend(100, later, deferrable=True)
    assert quota.allowance(midnight + timedelta(hours=23, minutes=59)) == 4800
    assert DailyQuota(150, paced=True).spend(100, midnight, deferrable=True)  # a small budget pays one search
