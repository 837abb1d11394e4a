"""Collector throughput: mentions/s from file replay and from the webhook into the embedded broker, with
territory matching against 1,000 generated territories. Goal: >= 5,000 mentions/s on a 2-core machine.

    .venv/bin/python benchmarks/collector.py [--mentions 50000] [--territories 1000]
    .venv/bin/python benchmarks/collector.py --platforms-only [--platform-items 20000]

``--platforms-only`` measures the YouTube, GDELT and X connectors alone: a stand-in of each platform runs in a
separate process on 127.0.0.1 and answers full pages as fast as it can; the connector reads them with no
wait between requests (a clock whose sleep returns at once: what bounds the figure is Vigie, not the
platform's quota or rate limit), then the pipeline matches and produces every item into the embedded broker.

Prints one line per measurement. The webhook load generator runs in a separate process (its own core)
and posts batches of ``--webhook-batch`` mentions with ``--webhook-concurrency`` requests in flight;
a request counts when the collector answered 202, i.e. after the broker acknowledged its records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import tempfile
import time
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry

from vigie.collector.kafka_sink import KafkaRecordSink
from vigie.collector.matching import TerritoryMatcher
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.replay_command import replay_file
from vigie.collector.sources.base import PollingSource
from vigie.collector.sources.facebook import FacebookPageSource
from vigie.collector.sources.gdelt import GdeltSource, TerritoryQuery
from vigie.collector.sources.google_reviews import GoogleReviewsSource
from vigie.collector.sources.instagram import InstagramAccountSource
from vigie.collector.sources.threads import ThreadsSearchSource
from vigie.collector.sources.x import XSource
from vigie.collector.sources.youtube import YouTubeSource
from vigie.collector.webhook import PATH, WebhookIngest
from vigie.runtime.clock import SystemClock
from vigie.runtime.embedded_broker import EmbeddedBroker
from vigie.runtime.health import OpsServer, build_app
from vigie.schemas import ContextRule, Territory, TerritoryConfig, load_territories

SYLLABLES = ["bel", "mont", "ri", "va", "lon", "ste", "mar", "gne", "ville", "cour", "bour", "ter", "lan", "roc", "sai"]
FILLER = [
    "les",
    "habitants",
    "se",
    "plaignent",
    "encore",
    "des",
    "travaux",
    "et",
    "du",
    "bruit",
    "la",
    "mairie",
    "ne",
    "répond",
    "pas",
    "aux",
    "messages",
    "super",
    "week-end",
    "au",
    "marché",
    "du",
    "centre",
    "ville",
    "merci",
    "pour",
    "l'accueil",
    "embouteillages",
    "monstres",
    "ce",
    "matin",
    "the",
    "beach",
    "was",
    "dirty",
    "and",
    "the",
    "staff",
    "rude",
    "what",
    "a",
    "shame",
    "great",
    "concert",
    "last",
    "night",
    "lovely",
    "people",
]
TOKEN = "benchmark-token"


def territory_names(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


def make_territories(count: int, rng: random.Random) -> TerritoryConfig:
    territories = []
    for index, name in enumerate(territory_names(count, rng)):
        ambiguous = index % 10 == 0
        territories.append(
            Territory(
                id=f"t{index:04d}-{name.lower()}",
                name=name,
                aliases=(name, f"Saint-{name}", f"{name}-sur-Mer"),
                hashtags=(name, f"Ville{name}"),
                official_accounts=(f"@Ville{name}",),
                landmarks=(f"plage de {name}", f"château de {name}", f"gare de {name}"),
                exclusions=(f"{name} Telecom",) if ambiguous else (),
                context_rules=(ContextRule(term=name, case_sensitive=True, require_any=("ville", "mairie")),)
                if ambiguous
                else (),
            )
        )
    return TerritoryConfig(territories=tuple(territories))


def make_mentions(count: int, config: TerritoryConfig, rng: random.Random) -> list[dict[str, object]]:
    names = [t.name for t in config.territories]
    mentions: list[dict[str, object]] = []
    for index in range(count):
        words = rng.choices(FILLER, k=rng.randint(12, 40))
        roll = rng.random()
        if roll < 0.6:
            words.insert(rng.randrange(len(words)), rng.choice(names))
        elif roll < 0.7:
            words.append(f"#{rng.choice(names)}")
        elif roll < 0.8:
            first, second = rng.sample(names, 2)
            words[1:1] = ["entre", first, "et", f"la plage de {second}"]
        mentions.append(
            {
                "id": f"m{index}",
                "text": " ".join(words),
                "published_at": f"2026-11-27T{(index // 3600) % 24:02d}:{(index // 60) % 60:02d}:{index % 60:02d}Z",
                "author": {"handle": f"user{rng.randrange(5000)}", "followers": rng.randrange(10_000)},
            }
        )
    return mentions


def measure_matching(config: TerritoryConfig, mentions: list[dict[str, object]]) -> None:
    started = time.perf_counter()
    matcher = TerritoryMatcher(config)
    built = time.perf_counter() - started
    texts = [str(m["text"]) for m in mentions]
    started = time.perf_counter()
    matched = sum(1 for text in texts if matcher.match(text).matches)
    elapsed = time.perf_counter() - started
    print(
        f"matching only: {len(texts) / elapsed:,.0f} texts/s against {len(config.territories)} territories "
        f"(index built in {built * 1000:.0f} ms; {matched / len(texts):.0%} of texts matched)",
        flush=True,
    )


async def measure_replay(path: Path, config: TerritoryConfig, bootstrap: str, count: int) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    code = await replay_file(path, config, speed=None, bootstrap_servers=bootstrap, progress=False)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert code == 0
    print(
        f"file replay -> broker: {count / elapsed:,.0f} mentions/s wall ({count} mentions in {elapsed:.2f}s; "
        f"{count / cpu:,.0f} mentions per CPU-second of the collector process)",
        flush=True,
    )


def post_load(url: str, bodies: list[bytes], concurrency: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import httpx

    async def main() -> None:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for body in bodies:
            queue.put_nowait(body)
        statuses: list[int] = []
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:

            async def worker() -> None:
                while not queue.empty():
                    body = queue.get_nowait()
                    response = await client.post(
                        url,
                        content=body,
                        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                    )
                    statuses.append(response.status_code)

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            results.put((time.perf_counter() - started, statuses))

    asyncio.run(main())


async def measure_webhook(
    config: TerritoryConfig, mentions: list[dict[str, object]], bootstrap: str, batch: int, concurrency: int
) -> None:
    sink = KafkaRecordSink(bootstrap, linger_ms=10)
    await sink.start()
    registry = CollectorRegistry()
    metrics = CollectorMetrics(registry)
    pipeline = MentionPipeline(TerritoryMatcher(config), sink, metrics, SystemClock())
    ingest = WebhookIngest(pipeline, metrics, token=TOKEN, max_body_bytes=16 * 1024 * 1024, instance="bench")
    server = OpsServer(build_app(registry, lambda: None, ingest.routes()))
    await server.start()
    bodies = [json.dumps(mentions[i : i + batch]).encode() for i in range(0, len(mentions), batch)]
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    loader = context.Process(target=post_load, args=(f"{server.url}{PATH}", bodies, concurrency, results))
    cpu = time.process_time()
    loader.start()
    elapsed, statuses = await asyncio.get_running_loop().run_in_executor(None, results.get)
    cpu = time.process_time() - cpu
    loader.join()
    await server.stop()
    await sink.stop()
    accepted = sum(1 for s in statuses if s == 202)
    print(
        f"webhook -> broker: {len(mentions) / elapsed:,.0f} mentions/s ({len(mentions)} mentions in {len(bodies)} "
        f"requests of {batch}, {concurrency} in flight, {accepted}/{len(bodies)} answered 202, {elapsed:.2f}s; "
        f"{len(mentions) / cpu:,.0f} mentions per CPU-second of the collector process)",
        flush=True,
    )


class NoWaitClock(SystemClock):
    """Real time, but sleeping returns at once: the platform's rate limits are not what is measured."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


def serve_platforms(items: int, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """YouTube, GDELT and X stand-ins answering full pages (bodies built once, served from memory)."""
    videos_per_page, threads_per_video = 50, 40
    video_count = max(videos_per_page, items // threads_per_video)
    at = "2026-11-27T07:00:00Z"

    def video(i: int) -> dict[str, object]:
        snippet = {"publishedAt": at, "channelId": "UC-b", "title": f"Saint-Malo : vidéo {i}", "description": "d"}
        return {"id": f"v{i}", "snippet": snippet, "statistics": {"viewCount": "10", "likeCount": "1"}}

    def thread(v: str, j: int) -> dict[str, object]:
        comment = {
            "id": f"{v}c{j}",
            "snippet": {"videoId": v, "textOriginal": f"Commentaire {j} sur la digue", "publishedAt": at},
        }
        return {"id": f"{v}c{j}", "snippet": {"videoId": v, "topLevelComment": comment, "totalReplyCount": 0}}

    search_pages = [
        json.dumps(
            {
                "items": [{"id": {"videoId": f"v{i}"}} for i in range(p, min(p + videos_per_page, video_count))],
                **({"nextPageToken": str(p + videos_per_page)} if p + videos_per_page < video_count else {}),
            }
        ).encode()
        for p in range(0, video_count, videos_per_page)
    ]
    articles = [
        {
            "url": f"https://www.example-news.fr/a/{i}",
            "title": f"Saint-Malo : article {i}",
            "seendate": f"20261127T{(i // 3600) % 24:02d}{(i // 60) % 60:02d}{i % 60:02d}Z",
            "domain": "example-news.fr",
            "language": "French",
            "sourcecountry": "France",
        }
        for i in range(items)
    ]
    articles.sort(key=lambda a: str(a["seendate"]))
    posts = [
        {
            "id": str(10**15 + i),
            "text": f"Saint-Malo, post {i}",
            "created_at": "2026-11-27T07:00:00.000Z",
            "author_id": str(i % 500),
            "lang": "fr",
            "public_metrics": {"like_count": 1, "retweet_count": 0, "reply_count": 0, "impression_count": 9},
        }
        for i in reversed(range(items))
    ]

    async def youtube(request: web.Request) -> web.Response:
        resource, query = request.match_info["resource"], request.query
        if resource == "search":
            return web.Response(
                body=search_pages[int(query.get("pageToken", "0")) // videos_per_page], content_type="application/json"
            )
        if resource == "videos":
            ids = query["id"].split(",")
            return web.json_response({"items": [video(int(v[1:])) for v in ids]})
        v = query["videoId"]
        return web.json_response({"items": [thread(v, j) for j in range(threads_per_video)]})

    async def gdelt(request: web.Request) -> web.Response:
        start = request.query["startdatetime"]
        low = next((k for k, a in enumerate(articles) if str(a["seendate"]).replace("T", "")[:-1] >= start), items)
        return web.json_response({"articles": articles[low : low + 250]})

    async def x(request: web.Request) -> web.Response:
        offset = int(request.query.get("next_token", "0"))
        page = posts[offset : offset + 100]
        meta: dict[str, object] = {"newest_id": page[0]["id"], "result_count": len(page)}
        if offset + 100 < len(posts):
            meta["next_token"] = str(offset + 100)
        return web.json_response({"data": page, "meta": meta})

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/youtube/v3/{resource}", youtube)
        app.router.add_get("/gdelt", gdelt)
        app.router.add_get("/2/tweets/search/recent", x)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ready.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


EXAMPLE_TERRITORIES = Path(__file__).resolve().parents[1] / "config" / "territories.example.yaml"


async def measure_platform(label: str, source: PollingSource, bootstrap: str) -> None:
    territories = load_territories(EXAMPLE_TERRITORIES)
    sink = KafkaRecordSink(bootstrap, linger_ms=10)
    await sink.start()
    pipeline = MentionPipeline(TerritoryMatcher(territories), sink, CollectorMetrics(CollectorRegistry()), source.clock)
    source.restore(None)
    started, cpu = time.perf_counter(), time.process_time()
    batch = await source.poll()
    read = time.perf_counter() - started
    report = await pipeline.process(batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await sink.stop()
    count = len(batch.items)
    print(
        f"{label} -> broker: {count / elapsed:,.0f} items/s ({count} items, {report.emitted} mentions emitted, "
        f"{len(batch.rejected)} rejected, {elapsed:.2f}s of which {read:.2f}s reading the stand-in; "
        f"{count / cpu:,.0f} items per CPU-second of the collector process)",
        flush=True,
    )


def measure_platforms(items: int) -> None:
    import httpx

    context = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    server = context.Process(target=serve_platforms, args=(items, ready), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{ready.get(timeout=60)}"
    clock = NoWaitClock()

    async def run(bootstrap: str) -> None:
        async with httpx.AsyncClient(timeout=60) as client:
            pages = max(1, items // 40 // 50)
            youtube = YouTubeSource(
                client,
                clock,
                api_key="k",
                territory_id="saint-malo",
                terms=("Saint-Malo",),
                daily_budget=1_000_000,
                max_search_pages=pages,
                max_comment_pages=1,
                max_videos=10**6,
                comment_window_days=10**5,
                api_url=f"{base}/youtube/v3",
            )
            await measure_platform("youtube (videos + comments)", youtube, bootstrap)
            query = TerritoryQuery("saint-malo", '"Saint-Malo"', ("Saint-Malo",))
            gdelt = GdeltSource(
                client,
                clock,
                queries=(query,),
                min_gap_s=0.0,
                max_pages=items // 250 + 1,
                tone=False,
                lookback_s=86_400 * 89,
                api_url=f"{base}/gdelt",
            )
            await measure_platform("gdelt (articles)", gdelt, bootstrap)
            x = XSource(
                client, clock, bearer_token="t", queries=('"Saint-Malo"',), max_pages=items // 100 + 1, api_url=base
            )
            await measure_platform("x (posts)", x, bootstrap)

    try:
        with EmbeddedBroker() as broker:
            asyncio.run(run(broker.bootstrap_servers))
    finally:
        server.terminate()
        server.join()


# --- Sources read with the territory's own accounts: Facebook, Instagram, Threads, Google ---


class PlatformPages:
    """A loopback stand-in for the Graph API and Google Business Profile serving ``count`` generated items per
    edge in the platform's largest page (Graph: ``limit`` as asked; Google: ``pageSize`` 50)."""

    def __init__(self, items: dict[str, list[dict[str, object]]]) -> None:
        self.items = items
        self.base = ""
        self.requests = 0

    async def get(self, request: web.Request) -> web.Response:
        self.requests += 1
        path = "/" + request.match_info["path"]
        items = self.items.get(path, [])
        google = path.endswith("/reviews")
        size = int(request.query.get("pageSize") or request.query.get("limit") or 50)
        start = int(request.query.get("pageToken") or request.query.get("after") or 0)
        page = items[start : start + size]
        more = start + size < len(items)
        if google:
            return web.json_response({"reviews": page, **({"nextPageToken": str(start + size)} if more else {})})
        following = f"{self.base}{path}?limit={size}&after={start + size}" if more else None
        return web.json_response({"data": page, "paging": {"next": following} if following else {}})


def account_items(count: int, names: list[str], rng: random.Random) -> dict[str, list[dict[str, object]]]:
    """Newest first, as the platforms answer: page posts, Instagram media, Threads results, Google reviews."""

    def text() -> str:
        words = rng.choices(FILLER, k=rng.randint(8, 30))
        words.insert(rng.randrange(len(words)), rng.choice(names))
        return " ".join(words)

    def stamp(index: int, google: bool = False) -> str:
        seconds = 86_400 - index  # newest first
        clock = f"2026-11-27T{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        return f"{clock}Z" if google else f"{clock}+0000"

    stars = ["ONE", "TWO", "THREE", "FOUR", "FIVE"]
    return {
        "/104857600/feed": [
            {"id": f"104857600_{i}", "message": text(), "created_time": stamp(i), "from": {"id": str(i), "name": "x"}}
            for i in range(count)
        ],
        "/17841400000000001/media": [
            {"id": f"m{i}", "caption": text(), "timestamp": stamp(i), "like_count": i % 50, "username": "ville"}
            for i in range(count)
        ],
        "/keyword_search": [
            {"id": str(i), "text": text(), "timestamp": stamp(i), "username": f"user{i % 500}"} for i in range(count)
        ],
        "/accounts/1/locations/2/reviews": [
            {
                "reviewId": f"r{i}",
                "starRating": rng.choice(stars),
                "comment": text() if i % 4 else "",
                "createTime": stamp(i, True),
                "updateTime": stamp(i, True),
            }
            for i in range(count)
        ],
    }


async def measure_account_sources(config: TerritoryConfig, bootstrap: str, count: int) -> None:
    """Each source reads ``count`` items from the stand-in (many pages) into the broker, through the pipeline."""
    import httpx

    rng = random.Random(7)
    territory = config.territories[0].id
    stand_in = PlatformPages(account_items(count, [t.name for t in config.territories], rng))
    app = web.Application()
    app.router.add_get("/{path:.*}", stand_in.get)
    server = OpsServer(app)
    await server.start()
    stand_in.base = server.url
    sink = KafkaRecordSink(bootstrap, linger_ms=10)
    await sink.start()
    async with httpx.AsyncClient(timeout=30) as client:
        clock = SystemClock()
        sources: list[tuple[str, PollingSource]] = [
            (
                "facebook page (pages of 100)",
                FacebookPageSource(
                    client,
                    clock,
                    page_id="104857600",
                    token="t",
                    territory=territory,
                    comments=False,
                    api_url=server.url,
                    max_pages=10_000,
                    limit=100,
                ),
            ),
            (
                "instagram media (pages of 100)",
                InstagramAccountSource(
                    client,
                    clock,
                    ig_user_id="17841400000000001",
                    token="t",
                    territory=territory,
                    comments=False,
                    tags=False,
                    api_url=server.url,
                    max_pages=10_000,
                    limit=100,
                ),
            ),
            (
                "threads search (pages of 100)",
                ThreadsSearchSource(
                    client, clock, token="t", queries=("q",), api_url=server.url, max_pages=10_000, limit=100
                ),
            ),
            (
                "google reviews (pages of 50)",
                GoogleReviewsSource(
                    client,
                    clock,
                    locations={"accounts/1/locations/2": (territory, "Plage")},
                    access_token="t",
                    api_url=server.url,
                    page_size=50,
                    max_pages=10_000,
                ),
            ),
        ]
        for label, source in sources:
            pipeline = MentionPipeline(TerritoryMatcher(config), sink, CollectorMetrics(CollectorRegistry()), clock)
            source.restore(None)
            before = stand_in.requests
            started, cpu = time.perf_counter(), time.process_time()
            batch = await source.poll()
            report = await pipeline.process(batch)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"{label} -> broker: {len(batch.items) / elapsed:,.0f} items/s ({len(batch.items)} items, "
                f"{stand_in.requests - before} requests, {report.emitted} records, {elapsed:.2f}s; "
                f"{len(batch.items) / cpu:,.0f} items per CPU-second, stand-in included)",
                flush=True,
            )
    await sink.stop()
    await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=50_000)
    parser.add_argument("--territories", type=int, default=1000)
    parser.add_argument("--webhook-batch", type=int, default=250)
    parser.add_argument("--webhook-concurrency", type=int, default=4)
    parser.add_argument("--platforms-only", action="store_true", help="measure the YouTube, GDELT, X connectors")
    parser.add_argument("--platform-items", type=int, default=20_000)
    parser.add_argument("--account-items", type=int, default=10_000, help="items per account source (0: skip)")
    args = parser.parse_args()
    if args.platforms_only:
        print(f"collector connectors benchmark: {args.platform_items} items per platform", flush=True)
        measure_platforms(args.platform_items)
        return
    rng = random.Random(42)
    config = make_territories(args.territories, rng)
    mentions = make_mentions(args.mentions, config, rng)
    print(f"collector benchmark: {args.mentions} mentions, {args.territories} territories", flush=True)
    measure_matching(config, mentions)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        path = Path(tmp) / "mentions.jsonl"
        path.write_text("".join(json.dumps(m) + "\n" for m in mentions), encoding="utf-8")
        asyncio.run(measure_replay(path, config, broker.bootstrap_servers, len(mentions)))
    with EmbeddedBroker() as broker:
        asyncio.run(
            measure_webhook(config, mentions, broker.bootstrap_servers, args.webhook_batch, args.webhook_concurrency)
        )
    if args.account_items:
        with EmbeddedBroker() as broker:
            asyncio.run(measure_account_sources(config, broker.bootstrap_servers, args.account_items))


if __name__ == "__main__":
    main()
