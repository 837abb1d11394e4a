"""Collector throughput: mentions/s from file replay and from the webhook into the embedded broker, with
territory matching against 1,000 generated territories. Goal: >= 5,000 mentions/s on a 2-core machine.

    .venv/bin/python benchmarks/collector.py [--mentions 50000] [--territories 1000]

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

from prometheus_client import CollectorRegistry

from vigie.collector.clock import SystemClock
from vigie.collector.kafka_sink import KafkaRecordSink
from vigie.collector.matching import TerritoryMatcher
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.replay_command import replay_file
from vigie.collector.webhook import PATH, WebhookIngest
from vigie.runtime.embedded_broker import EmbeddedBroker
from vigie.runtime.health import OpsServer, build_app
from vigie.schemas import ContextRule, Territory, TerritoryConfig

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=50_000)
    parser.add_argument("--territories", type=int, default=1000)
    parser.add_argument("--webhook-batch", type=int, default=250)
    parser.add_argument("--webhook-concurrency", type=int, default=4)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
