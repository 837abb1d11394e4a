"""GDELT 2.0 DOC API against a stand-in on 127.0.0.1: paged ArtList by seendate, ToneChart tones, refused
queries, polite spacing of requests, 429, and malformed articles.

The stand-in's answers follow GDELT's documentation and recorded answers:
* https://blog.gdeltproject.org/gdelt-doc-2-0-api-debuts/ — ``mode=ArtList`` (up to ``maxrecords=250``),
  ``sort=DateAsc``, ``startdatetime=YYYYMMDDHHMMSS``, ``format=json``, OR-ed terms in parentheses;
  ``mode=ToneChart``: ``{"tonechart": [{"bin": -5, "count": 2, "toparts": [{"url", "title"}]}]}``;
* ArtList articles as recorded by the gdeltdoc client (alex9smith/gdelt-doc-api): ``url``, ``url_mobile``,
  ``title``, ``seendate`` (``20230918T031500Z``), ``socialimage``, ``domain``, ``language`` (``"Spanish"``),
  ``sourcecountry`` (``"Mexico"``); no article: ``{}``;
* a refused query is HTTP 200 with a text/html message ("The specified phrase is too short.", "Please limit
  requests to one every 5 seconds...").
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from aiohttp import web

from vigie.collector.errors import FetchError
from vigie.collector.sources.gdelt import GdeltSource, TerritoryQuery, build_queries, query_terms


def article(n: int, seen: str, **fields: Any) -> dict[str, Any]:
    return {
        "url": f"https://www.ouest-france.fr/bretagne/saint-malo/article-{n}",
        "url_mobile": "",
        "title": f"Saint-Malo : la digue du Sillon, épisode {n}",
        "seendate": seen,
        "socialimage": f"https://www.ouest-france.fr/img/{n}.jpg",
        "domain": "ouest-france.fr",
        "language": "French",
        "sourcecountry": "France",
        **fields,
    }


class GdeltStandIn:
    def __init__(self, page_size: int = 3) -> None:
        self.page_size = page_size
        self.requests: list[dict[str, str]] = []
        self.articles = [article(n, f"20261127T07{n:02d}00Z") for n in range(5)]
        self.articles.insert(2, {"url": "not a url", "seendate": "20261127T070130Z", "title": "x"})
        self.refuse: str | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v2/doc/doc", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.requests.append(query)
        if self.refuse and self.refuse in query["query"]:
            return web.Response(text="The specified phrase is too short.\n", content_type="text/html")
        start = query["startdatetime"]
        chosen = [a for a in self.articles if a["seendate"].replace("T", "").replace("Z", "") >= start]
        if query["mode"] == "ToneChart":
            parts = [{"url": a["url"], "title": a["title"]} for a in chosen]
            return web.json_response({"tonechart": [{"bin": -6, "count": len(parts), "toparts": parts[:2]}]})
        assert query["sort"] == "DateAsc" and query["format"] == "json"
        page = chosen[: min(self.page_size, int(query["maxrecords"]))]
        return web.json_response({"articles": page} if page else {})


@pytest.fixture
async def gdelt(serve):
    stand_in = GdeltStandIn()
    base = await serve(stand_in.app())
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield stand_in, f"{base}/api/v2/doc/doc", client


SAINT_MALO = TerritoryQuery("saint-malo", '("Saint-Malo" OR "St-Malo")', ("Saint-Malo",))


def make_source(api: str, client: httpx.AsyncClient, clock: Any, **kwargs: Any) -> GdeltSource:
    return GdeltSource(client, clock, queries=(SAINT_MALO,), api_url=api, max_records=3, **kwargs)


async def test_pages_by_seendate_with_tones_languages_and_a_dead_letter(gdelt, clock, make_pipeline, sink) -> None:
    stand_in, api, client = gdelt
    source = make_source(api, client, clock)
    source.restore(None)
    batch = await source.poll()
    urls = [i.url for i in batch.items]
    # each page starts at the last seendate of the one before: its last articles come twice, dedup drops them
    assert [u.rsplit("-", 1)[1] for u in urls if u] == ["0", "1", "2", "3", "3", "4"]
    assert [r.error_class for r in batch.rejected] == ["validation"] * 2  # the bad article, on two pages
    first = stand_in.requests[0]
    assert first["query"] == SAINT_MALO.query and first["maxrecords"] == "3"
    assert first["startdatetime"] == "20261126080000"  # a day back on the first run
    assert batch.cursor == {"since": {f"saint-malo:{SAINT_MALO.query}": "20261127070400"}}

    await make_pipeline().process(batch)
    assert [d.error_class for d in sink.dead_letters()] == ["validation"] * 2
    mentions = sink.mentions()
    assert len(mentions) == 5 and {m.territory_id for m in mentions} == {"saint-malo"}
    zero = next(m for m in mentions if m.url and m.url.endswith("article-0"))
    assert zero.language == "fr" and zero.extra["source_country"] == "France" and zero.extra["tone"] == -6.0
    assert zero.source.kind == "gdelt" and zero.source.instance == "ouest-france.fr"
    assert zero.published_at.isoformat() == "2026-11-27T07:00:00+00:00"


async def test_requests_are_spaced_five_seconds_apart(gdelt, clock) -> None:
    _, api, client = gdelt
    source = make_source(api, client, clock)
    source.restore(None)
    await source.poll()
    assert clock.sleeps and all(s == pytest.approx(5.0) for s in clock.sleeps)
    assert len(clock.sleeps) == 3  # four requests: three ArtList pages, one ToneChart for the whole window


async def test_a_refused_query_is_a_problem_and_the_other_territories_go_on(gdelt, clock) -> None:
    stand_in, api, client = gdelt
    stand_in.refuse, stand_in.page_size = "Nissa", 250
    nice = TerritoryQuery("nice", '"Nissa" sourcecountry:france', ("Nissa",))
    source = GdeltSource(client, clock, queries=(nice, SAINT_MALO), api_url=api, max_records=250, tone=False)
    source.restore(None)
    batch = await source.poll()
    assert [reason for reason, _ in batch.problems] == ["gdelt_query"]
    assert "phrase is too short" in batch.problems[0][1]
    assert len(batch.items) == 5


async def test_restart_resumes_from_the_saved_seendate(gdelt, clock) -> None:
    stand_in, api, client = gdelt
    source = make_source(api, client, clock, tone=False)
    source.restore(None)
    first = await source.poll()
    stand_in.articles.append(article(9, "20261127T073000Z"))
    restarted = make_source(api, client, clock, tone=False)
    restarted.restore(first.cursor)
    stand_in.requests.clear()
    second = await restarted.poll()
    assert stand_in.requests[0]["startdatetime"] == "20261127070400"
    assert [i.url.rsplit("-", 1)[1] for i in second.items if i.url] == ["4", "9"]


@pytest.mark.parametrize("retry_after", ["60", "Fri, 27 Nov 2026 08:01:00 GMT"])
async def test_429_is_retryable_with_retry_after(serve, clock, retry_after: str) -> None:
    """Both forms of ``Retry-After``; the HTTP-date is measured from the source's clock (08:00 UTC)."""

    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, text="Please limit requests", headers={"Retry-After": retry_after})

    app = web.Application()
    app.router.add_get("/api/v2/doc/doc", busy)
    base = await serve(app)
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        source = make_source(f"{base}/api/v2/doc/doc", client, clock)
        source.restore(None)
        with pytest.raises(FetchError) as failure:
            await source.poll()
    assert failure.value.reason == "http_429" and failure.value.retry_after == 60


def test_queries_respect_gdelt_constraints() -> None:
    assert query_terms(("Saint-Malo", "St Malo", "Nice", "Nc", "06", "Intra-Muros")) == [
        '"Saint-Malo"',
        '"St Malo"',
        "Nice",
        '"Intra-Muros"',
    ]
    assert build_queries(("Nice",), "sourcecountry:france") == ["Nice sourcecountry:france"]
    assert build_queries(("Saint-Malo", "St-Malo")) == ['("Saint-Malo" OR "St-Malo")']
    many = build_queries(tuple(f"Commune numéro {n}" for n in range(60)))
    assert len(many) > 1 and all(len(q) <= 500 and q.startswith("(") for q in many)


async def test_raw_control_characters_and_stray_backslashes_are_repaired_and_a_broken_answer_skips_its_query(
    serve, clock
) -> None:
    """GDELT's JSON carries raw control characters and invalid escapes in titles (the gdeltdoc client repairs
    them); before, one such title made the whole source back off and retry the same window forever."""
    good = json.dumps({"articles": [article(1, "20261127T070000Z")]}, ensure_ascii=False)
    dirty = good.replace("épisode 1", "épisode\t1 \\o/ \x01")

    async def handle(request: web.Request) -> web.Response:
        if "Nissa" in request.query["query"]:
            return web.Response(body=b'{"articles": [{"url": "https://a.fr/x", "tit', content_type="application/json")
        return web.Response(text=dirty, content_type="application/json")

    app = web.Application()
    app.router.add_get("/doc", handle)
    base = await serve(app)
    nice = TerritoryQuery("nice", "Nissa", ("Nissa",))
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        source = GdeltSource(client, clock, queries=(nice, SAINT_MALO), api_url=f"{base}/doc", tone=False)
        source.restore(None)
        batch = await source.poll()
    assert [reason for reason, _ in batch.problems] == ["parse"]
    assert [i.text for i in batch.items] == ["Saint-Malo : la digue du Sillon, épisode\t1  o/ \x01"]
