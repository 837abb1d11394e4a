"""RSS/Atom against a real HTTP server on 127.0.0.1: conditional GET, bad documents, 429 storms, timeouts."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from aiohttp import web

from tests.support.waiting import eventually
from vigie.collector.errors import FetchError
from vigie.collector.runner import SourceRunner
from vigie.collector.sources.rss import RssSource
from vigie.runtime.backoff import Backoff

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Ouest-France Saint-Malo</title><language>fr</language>
<item><guid>of-1</guid><title>Tempête sur Saint-Malo : les remparts fermés</title>
<link>https://www.ouest-france.example/saint-malo/1</link><description>&lt;p&gt;La &lt;b&gt;digue&lt;/b&gt; du Sillon a souffert.&lt;/p&gt;</description>
<pubDate>Fri, 27 Nov 2026 06:00:00 GMT</pubDate></item>
<item><guid>of-2</guid><title>Lyon : la Fête des Lumières se prépare</title><link>https://www.ouest-france.example/lyon/2</link>
<pubDate>Fri, 27 Nov 2026 06:30:00 GMT</pubDate></item>
<item><guid>of-3</guid><title>Météo : du soleil partout</title><pubDate>Fri, 27 Nov 2026 06:40:00 GMT</pubDate></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Google Alert - Nice</title>
<entry><id>tag:google.com,2013:alert/1</id><title type="html">Nice : la &lt;b&gt;promenade&lt;/b&gt; inondée</title>
<link href="https://news.example/nice/1"/><published>2026-11-27T06:10:00Z</published>
<content type="html">Les plages de Nice sont fermées.</content></entry>
</feed>"""


def feed_app(bodies: dict[str, tuple[bytes, str]], calls: list[tuple[str, dict[str, str]]]) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        calls.append((request.path, dict(request.headers)))
        body, content_type = bodies[request.path]
        etag = f'"{hash(body) & 0xFFFF}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=body,
            headers={"ETag": etag, "Last-Modified": "Fri, 27 Nov 2026 06:45:00 GMT", "Content-Type": content_type},
        )

    app = web.Application()
    app.router.add_get("/{name}", handler)
    return app


@pytest.fixture
async def client():
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as http:
        yield http


async def test_rss_items_then_304_with_the_saved_etag(serve, client, clock, make_pipeline, sink) -> None:
    calls: list[tuple[str, dict[str, str]]] = []
    base = await serve(feed_app({"/rss": (RSS.encode(), "application/rss+xml")}, calls))
    source = RssSource(f"{base}/rss", client, clock)
    source.restore(None)
    first = await source.poll()
    assert [i.native_id for i in first.items] == ["of-1", "of-2", "of-3"]
    assert first.items[0].text == "La digue du Sillon a souffert."
    assert first.items[0].language == "fr" and first.items[0].published_at.hour == 6
    assert first.cursor is not None and first.cursor["etag"]
    await make_pipeline().process(first)
    assert {m.territory_id for m in sink.mentions()} == {"saint-malo", "lyon"}

    restarted = RssSource(f"{base}/rss", client, clock)
    restarted.restore(first.cursor)
    second = await restarted.poll()
    assert second.items == [] and second.cursor == first.cursor
    assert calls[-1][1]["If-None-Match"] == first.cursor["etag"]


async def test_atom_entries_with_html_titles(serve, client, clock) -> None:
    base = await serve(feed_app({"/atom": (ATOM.encode(), "application/atom+xml")}, []))
    source = RssSource(f"{base}/atom", client, clock)
    source.restore(None)
    (entry,) = (await source.poll()).items
    assert entry.title == "Nice : la promenade inondée"
    assert entry.url == "https://news.example/nice/1"


async def test_html_instead_of_xml_is_dead_lettered_with_a_metric_and_a_log_line(
    serve, client, clock, make_pipeline, sink, sample, caplog
) -> None:
    html = b"<!DOCTYPE html><html><head><title>Consent</title></head><body><p>Accept cookies</p></body></html>"
    base = await serve(feed_app({"/html": (html, "text/html")}, []))
    source = RssSource(f"{base}/html", client, clock, interval_s=60)
    runner = SourceRunner(source, make_pipeline(), make_pipeline().metrics, clock)
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING):
        task = asyncio.create_task(runner.run(stop))
        await eventually(lambda: runner.batches_done >= 1)
        stop.set()
        await task
    (letter,) = sink.dead_letters()
    assert letter.error_class == "decode" and "not a feed" in letter.reason
    assert sample("vigie_collector_fetch_errors_total", source="rss", reason="parse") == 1
    assert any("dead-lettered" in r.getMessage() for r in caplog.records)


async def test_truncated_feed_keeps_the_entries_that_parsed(serve, client, clock, sample) -> None:
    truncated = RSS.encode()[: RSS.index("<item><guid>of-3")]
    base = await serve(feed_app({"/cut": (truncated, "application/rss+xml")}, []))
    source = RssSource(f"{base}/cut", client, clock)
    source.restore(None)
    batch = await source.poll()
    assert [i.native_id for i in batch.items] == ["of-1", "of-2"]
    assert [reason for reason, _ in batch.problems] == ["parse"]


async def test_non_utf8_bytes_do_not_lose_the_good_entries(serve, client, clock) -> None:
    body = RSS.encode().replace("Tempête".encode(), b"Temp\xeate \xff\xfe")
    base = await serve(feed_app({"/latin": (body, "application/rss+xml; charset=utf-8")}, []))
    source = RssSource(f"{base}/latin", client, clock)
    source.restore(None)
    batch = await source.poll()
    assert [i.native_id for i in batch.items] == ["of-1", "of-2", "of-3"]
    assert "Saint-Malo" in (batch.items[0].title or "")


async def test_entry_without_anything_is_dead_lettered_alone(serve, client, clock) -> None:
    body = RSS.replace("<item><guid>of-3</guid>", "<item></item><item><guid>of-3</guid>").encode()
    base = await serve(feed_app({"/empty": (body, "application/rss+xml")}, []))
    source = RssSource(f"{base}/empty", client, clock)
    source.restore(None)
    batch = await source.poll()
    assert len(batch.items) == 3
    assert [r.error_class for r in batch.rejected] == ["validation"]


async def test_429_storm_backs_off_honouring_retry_after_then_recovers(
    serve, client, clock, make_pipeline, sink, sample
) -> None:
    hits = {"n": 0}

    async def storm(request: web.Request) -> web.Response:
        hits["n"] += 1
        if hits["n"] <= 4:
            return web.Response(status=429, headers={"Retry-After": "120"})
        return web.Response(body=RSS.encode(), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed", storm)
    base = await serve(app)
    pipeline = make_pipeline()
    runner = SourceRunner(
        RssSource(f"{base}/feed", client, clock, interval_s=600),
        pipeline,
        pipeline.metrics,
        clock,
        backoff=Backoff(base_s=1, maximum_s=60, random=lambda: 0.5),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await eventually(lambda: runner.batches_done >= 1)
    stop.set()
    await task
    assert clock.sleeps[:4] == [120, 120, 120, 120]
    assert sample("vigie_collector_fetch_errors_total", source="rss", reason="http_429") == 4
    assert sample("vigie_collector_source_up", source="rss") == 1
    assert len(sink.mentions()) == 2


async def test_timeout_and_oversize_are_fetch_errors(serve, client, clock) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response(text="late")

    async def huge(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"<rss>" + b"x" * (10 * 1024 * 1024), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/slow", slow)
    app.router.add_get("/huge", huge)
    base = await serve(app)
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.3)) as quick:
        with pytest.raises(FetchError) as timeout:
            await RssSource(f"{base}/slow", quick, clock).poll()
    assert timeout.value.reason == "timeout"
    with pytest.raises(FetchError) as oversize:
        await RssSource(f"{base}/huge", client, clock, max_bytes=1024 * 1024).poll()
    assert oversize.value.reason == "oversize"


async def test_a_failing_source_does_not_stop_the_others(serve, client, clock, make_pipeline, sink) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=500)

    app = web.Application()
    app.router.add_get("/down", down)
    base = await serve(app)
    good_base = await serve(feed_app({"/rss": (RSS.encode(), "application/rss+xml")}, []))
    pipeline = make_pipeline()
    failing = SourceRunner(RssSource(f"{base}/down", client, clock), pipeline, pipeline.metrics, clock)
    working = SourceRunner(RssSource(f"{good_base}/rss", client, clock), pipeline, pipeline.metrics, clock)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in (failing, working)]
    await eventually(lambda: working.batches_done >= 2)
    stop.set()
    await asyncio.gather(*tasks)
    assert failing.batches_done == 0 and failing.backoff.failures >= 1
    assert len(sink.mentions()) == 2


# feedparser's test feeds: xml:lang on an Atom entry's title/summary, a Google News RSS item with <source>,
# an RSS <author> holding an e-mail address.
LANG_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-11-27T06:00:00Z</updated>
<entry><id>urn:e1</id><updated>2026-11-27T06:00:00Z</updated><title xml:lang="fr">Crue à Nice</title>
<summary xml:lang="fr">Le Paillon déborde</summary></entry></feed>"""
GOOGLE_NEWS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>g</title><link>https://news.google.com</link><description>d</description>
<item><title>Lyon\u00a0: la Saône monte - Le Progrès</title><link>https://news.example/1</link>
<guid>g1</guid><author>jane@example.com (Jane Doe)</author>
<description>Lyon\u00a0sous l'eau</description><source url="https://www.leprogres.fr">Le Progrès</source></item>
</channel></rss>"""


async def test_xml_lang_publisher_nbsp_and_author_email(serve, client, clock) -> None:
    bodies = {"/a": (LANG_ATOM.encode(), "application/atom+xml"), "/g": (GOOGLE_NEWS.encode(), "application/rss+xml")}
    base = await serve(feed_app(bodies, []))
    atom = RssSource(f"{base}/a", client, clock)
    atom.restore(None)
    (entry,) = (await atom.poll()).items
    assert entry.language == "fr"
    news = RssSource(f"{base}/g", client, clock)
    news.restore(None)
    (item,) = (await news.poll()).items
    assert item.text == "Lyon sous l'eau" and item.title == "Lyon : la Saône monte - Le Progrès"
    assert item.extra["publisher"] == "Le Progrès"
    assert item.author_handle == "Jane Doe" and "@" not in (item.author_name or "")
