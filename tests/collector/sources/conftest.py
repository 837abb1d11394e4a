"""A stand-in for Meta's Graph APIs (Facebook, Instagram, Threads) and Google Business Profile on 127.0.0.1.

It answers any ``GET`` path from ``edges`` (items newest first, pages of ``page_size``), the way the platforms
document their answers:

* Graph API edges (https://developers.facebook.com/docs/graph-api/results): ``{"data": [...], "paging":
  {"cursors": {"before", "after"}, "next": "<url with access_token=…&after=…>"}}``; ``since`` (unix seconds)
  filters by time; errors ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` — an expired
  token is HTTP 400 with code 190 and subcode 463, a throttled app HTTP 400 with code 4 and the
  ``X-App-Usage`` / ``X-Business-Use-Case-Usage`` headers
  (https://developers.facebook.com/docs/graph-api/overview/rate-limiting);
* Google (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list):
  ``{"reviews": [...], "averageRating", "totalReviewCount", "nextPageToken"}``, HTTP 401 ``UNAUTHENTICATED``
  for a bad token, HTTP 429 ``RESOURCE_EXHAUSTED`` with ``Retry-After``; tokens from ``POST /token``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from aiohttp import web

from vigie.collector.items import Batch, CollectedItem, RejectedInput


def when(item: dict[str, Any]) -> float:
    for field in ("created_time", "timestamp", "updateTime"):
        value = item.get(field)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return 0.0
    return 0.0


class PlatformStandIn:
    """See the module docstring. ``style`` is ``graph`` or ``google``."""

    def __init__(self, style: str = "graph", token: str = "page-token-1", page_size: int = 2) -> None:
        self.style = style
        self.token = token
        self.page_size = page_size
        self.edges: dict[str, list[dict[str, Any]]] = {}
        self.objects: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.throttle_next = 0
        self.base = ""
        self.tokens_issued = 0
        self.refresh_token = "refresh-1"
        #: After :meth:`hold`, a request for a second page waits for :meth:`release` (``hold_reached``: one did).
        self.hold_second_pages = False
        self.hold_reached = asyncio.Event()
        self._released = asyncio.Event()

    def hold(self) -> None:
        self.hold_second_pages = True
        self._released.clear()

    def release(self) -> None:
        self.hold_second_pages = False
        self._released.set()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/token", self.issue_token)
        app.router.add_get("/{path:.*}", self.get)
        return app

    def add(self, path: str, *items: dict[str, Any]) -> None:
        self.edges.setdefault(path, []).extend(items)

    async def issue_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, status=400
            )
        self.tokens_issued += 1
        return web.json_response({"access_token": self.token, "expires_in": 3599, "token_type": "Bearer"})

    def _refused(self) -> web.Response:
        if self.style == "google":
            body = {
                "error": {
                    "code": 401,
                    "message": "Request had invalid authentication credentials.",
                    "status": "UNAUTHENTICATED",
                }
            }
            return web.json_response(body, status=401)
        error = {
            "message": "Error validating access token: Session has expired on Thursday, 26-Nov-26 10:00:00 PST.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "A1b2C3d4",
        }
        return web.json_response({"error": error}, status=400)

    def _throttled(self) -> web.Response:
        if self.style == "google":
            body = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
            return web.json_response(body, status=429, headers={"Retry-After": "42"})
        error = {"message": "(#4) Application request limit reached", "type": "OAuthException", "code": 4}
        usage = {
            "123": [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 20,
                    "total_time": 30,
                    "estimated_time_to_regain_access": 7,
                }
            ]
        }
        headers = {
            "X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 12, "total_time": 20}),
            "X-Business-Use-Case-Usage": json.dumps(usage),
        }
        return web.json_response({"error": error}, status=400, headers=headers)

    async def get(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        query = dict(request.query)
        self.requests.append((path, query))
        if request.headers.get("Authorization") != f"Bearer {self.token}" or "access_token" in query:
            return self._refused()
        if self.throttle_next:
            self.throttle_next -= 1
            return self._throttled()
        if path in self.objects:
            return web.json_response(self.objects[path])
        items = sorted(self.edges.get(path, []), key=lambda i: -when(i))
        if "since" in query:
            items = [i for i in items if when(i) >= float(query["since"])]
        start = int(query.get("after") or query.get("pageToken") or 0)
        if start > 0 and self.hold_second_pages:
            self.hold_reached.set()
            await self._released.wait()
        page = items[start : start + self.page_size]
        more = start + self.page_size < len(items)
        headers = {"X-App-Usage": json.dumps({"call_count": 3, "total_cputime": 1, "total_time": 1})}
        if self.style == "google":
            body: dict[str, Any] = {"reviews": page, "averageRating": 3.1, "totalReviewCount": len(items)}
            if more:
                body["nextPageToken"] = str(start + self.page_size)
            return web.json_response(body)
        body = {"data": page, "paging": {"cursors": {"before": "b", "after": str(start + self.page_size)}}}
        if more:
            following = {k: v for k, v in query.items() if k != "after"}
            following.update(after=str(start + self.page_size), access_token=self.token)
            body["paging"]["next"] = f"{self.base}{path}?{urlencode(following)}"
        return web.json_response(body, headers=headers)


@pytest.fixture
def platform(serve):
    """``await platform(style)``: a started :class:`PlatformStandIn` (its ``base`` URL set)."""

    async def start(style: str = "graph", **kwargs: Any) -> PlatformStandIn:
        stand_in = PlatformStandIn(style, **kwargs)
        stand_in.base = await serve(stand_in.app())
        return stand_in

    return start


@pytest.fixture
def http_client() -> Iterator[httpx.AsyncClient]:
    client = httpx.AsyncClient()
    yield client
    asyncio.run(client.aclose())


@pytest.fixture
def run_pipeline(make_pipeline: Any, sink: Any) -> Callable[[CollectedItem | RejectedInput], None]:
    """``run_pipeline(item_or_rejection)``: process it; check it was emitted, dropped or dead-lettered."""
    pipeline = make_pipeline()

    def run(outcome: CollectedItem | RejectedInput) -> None:
        before = len(sink.records)
        batch = Batch(items=[outcome]) if isinstance(outcome, CollectedItem) else Batch(rejected=[outcome])
        report = asyncio.run(pipeline.process(batch))
        assert report.emitted + report.duplicates + report.unmatched + report.deadlettered >= 1
        for record in sink.records[before:]:
            record.value.decode("utf-8")  # every record written is valid UTF-8
        for letter in sink.dead_letters():
            assert letter.reason

    return run
