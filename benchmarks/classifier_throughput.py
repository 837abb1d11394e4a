"""Classifier throughput through the broker: scoring + detection in a real worker process.

    .venv/bin/python benchmarks/classifier_throughput.py [--mentions 60000] [--territories 1000] [--no-tansu-compat]

1. An embedded Tansu broker; ``--territories`` generated territories; ``--mentions`` raw mentions spread over
   a day of event time (about a fifth negative, one crisis) produced to ``vigie.mentions.raw.v1`` up front.
2. A ``vigie classifier run`` worker starts on that backlog: throughput = mentions / (time from the worker's
   first scored record to detection having processed every scored mention, read from its /metrics).
3. Latency at steady state: mentions produced at ``--rate``/s; for each, produce time -> scored record
   consumed; plus the worker's own alert-latency histogram.
4. The worker's RSS (current and peak) with all territories' detector states in memory.

``--no-tansu-compat`` lets faust batch its changelog writes (fine on Apache Kafka; on Tansu a restarted worker
could lose table records, see BROKER.md). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from vigie.runtime.embedded_broker import EmbeddedBroker, free_port
from vigie.schemas import MENTIONS_RAW, MENTIONS_SCORED, Author, RawMention, Source, encode

CALM = [
    "Balade sur le port ce matin, très agréable",
    "Le conseil municipal se réunit jeudi soir",
    "Belle journée au marché, bravo aux commerçants",
    "Nouvel horaire du tram à partir de lundi",
    "Concert gratuit ce soir sur la place de la mairie",
    "Les travaux de la rue principale avancent bien",
    "Lovely old town, great food and friendly people",
]
ANGRY = [
    "Plage fermée, eau polluée, c'est une honte, scandale total",
    "Encore une coupure d'eau, la mairie ne fait rien, inadmissible",
    "Horrible accident au carrefour, la ville ne sécurise rien",
    "Dégoûtant, les poubelles débordent depuis une semaine",
]
SIZES = ["village", "town", "city", "metropolis", "region"]
START = datetime(2026, 10, 5, tzinfo=UTC)


def territory_file(count: int, directory: Path) -> tuple[Path, list[str]]:
    ids = [f"t{index:04d}" for index in range(count)]
    document = {
        "version": 1,
        "territories": [
            {"id": tid, "name": f"Ville {tid}", "aliases": [f"Ville {tid}"], "size_class": SIZES[i % len(SIZES)]}
            for i, tid in enumerate(ids)
        ],
    }
    path = directory / "territories.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    return path, ids


def mentions(
    count: int,
    territories: list[str],
    *,
    span_s: float,
    start: datetime = START,
    seed: int = 1,
    crisis: str | None = None,
) -> list[RawMention]:
    """``count`` mentions over ``span_s`` seconds of event time from ``start``, a fifth of them angry."""
    rng = random.Random(seed)
    span = span_s
    out = []
    for index in range(count):
        at = start + timedelta(seconds=index * span / count)
        territory = rng.choice(territories)
        text = rng.choice(ANGRY) if rng.random() < 0.2 else rng.choice(CALM)
        if crisis is not None and count // 2 <= index < count // 2 + 300:
            territory, text = crisis, rng.choice(ANGRY)
        out.append(
            RawMention(
                mention_id=f"replay:bench:{seed}:{index}",
                native_id=str(index),
                source=Source(kind="replay", instance="bench"),
                text=text,
                author=Author(handle=f"user{index % 1000}", followers=rng.randrange(10, 20000)),
                published_at=at,
                collected_at=at,
                territory_id=territory,
            )
        )
    return out


async def produce(bootstrap: str, items: list[RawMention], rate: float | None = None) -> dict[str, float]:
    """Produce mentions (as fast as possible, or at ``rate``/s); return each mention's produce time."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    sent_at: dict[str, float] = {}
    started = time.monotonic()
    try:
        for index, mention in enumerate(items):
            if rate is not None:
                delay = started + index / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            record = encode(MENTIONS_RAW, mention, source="/bench")
            sent_at[mention.mention_id] = time.time()
            await producer.send(record.topic, record.value, key=record.key, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()
    return sent_at


async def consume_scored(bootstrap: str, wanted: set[str], timeout_s: float) -> dict[str, float]:
    """Read scored mentions until every wanted id is seen; return the wall time each was consumed."""
    consumer = AIOKafkaConsumer(MENTIONS_SCORED, bootstrap_servers=bootstrap, auto_offset_reset="latest")
    await consumer.start()
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    try:
        await consumer.seek_to_end()
        while time.monotonic() < deadline and len(seen) < len(wanted):
            batch = await consumer.getmany(timeout_ms=100)
            now = time.time()
            for records in batch.values():
                for record in records:
                    mention_id = dict(record.headers)["ce_id"].decode().split("@")[0]
                    if mention_id in wanted:
                        seen.setdefault(mention_id, now)
    finally:
        await consumer.stop()
    return seen


def metric(url: str, name: str, labels: dict[str, str] | None = None) -> float:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in (labels or {}).items()):
                return float(sample.value)
    return 0.0


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (load-independent, unlike wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_worker(
    bootstrap: str, territories: Path, role: str, app_id: str, args: argparse.Namespace, directory: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """A ``vigie classifier run`` process of ``role``; returns it and the URL of its ops endpoints."""
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "VIGIE_CLASSIFIER_APP_ID": app_id,
        "VIGIE_CLASSIFIER_ROLE": role,
        "VIGIE_CLASSIFIER_HTTP_PORT": str(port),
        "VIGIE_CLASSIFIER_TANSU_COMPAT": "0" if args.no_tansu_compat else "1",
        "VIGIE_CLASSIFIER_BROKER_SESSION_TIMEOUT_S": "2",
        "VIGIE_CLASSIFIER_BROKER_HEARTBEAT_INTERVAL_S": "0.5",
        "VIGIE_CLASSIFIER_LOG_LEVEL": "WARNING",
    }
    with (directory / f"worker-{role}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "vigie.runtime.cli", "classifier", "run", "--territories", str(territories)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=60_000)
    parser.add_argument("--territories", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1000.0, help="mentions/s of the latency phase")
    parser.add_argument("--latency-mentions", type=int, default=5000)
    parser.add_argument("--no-tansu-compat", action="store_true")
    parser.add_argument(
        "--split", action="store_true", help="one scoring worker and one detection worker (two processes, two cores)"
    )
    parser.add_argument(
        "--event-seconds",
        type=float,
        help="event time the backlog spans (default: mentions / 5000, i.e. live at 5,000 mentions/s; "
        "86400 = a day of history replayed)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        path, ids = territory_file(args.territories, Path(tmp))
        span = args.event_seconds or args.mentions / 5000
        backlog = mentions(args.mentions, ids, span_s=span, crisis=ids[0])
        began = time.monotonic()
        asyncio.run(produce(bootstrap, backlog))
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other processes compete)",
            flush=True,
        )
        print(f"produced backlog: {len(backlog)} mentions in {time.monotonic() - began:.1f}s", flush=True)

        roles = [("scoring", "bench-scoring"), ("detection", "bench-detection")] if args.split else [("all", "bench")]
        workers = {role: start_worker(bootstrap, path, role, app_id, args, Path(tmp)) for role, app_id in roles}
        scoring_url = workers["scoring" if args.split else "all"][1]
        detection_url = workers["detection" if args.split else "all"][1]
        try:
            detected = "vigie_classifier_batch_size_sum"
            first = scoring_done = None
            cpu_first: dict[str, float] = {}
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                try:
                    # Each scrape renders every series in the worker's event loop: scraped at 2/s (throughput
                    # resolution 0.5 s), not 20/s, so the observer does not eat the worker's CPU.
                    done = metric(detection_url, detected, {"stage": "detection"})
                    scored = metric(scoring_url, detected, {"stage": "scoring"})
                except httpx.HTTPError:
                    time.sleep(0.2)
                    continue
                if first is None and scored > 0:
                    first = time.monotonic()
                    cpu_first = {role: cpu_seconds(process.pid) for role, (process, _) in workers.items()}
                if scoring_done is None and scored >= len(backlog):
                    scoring_done = time.monotonic()
                if done >= len(backlog):
                    break
                time.sleep(0.5)
            elapsed = time.monotonic() - (first or began)
            cpu_used = {
                role: cpu_seconds(process.pid) - cpu_first.get(role, 0.0) for role, (process, _) in workers.items()
            }
            print(
                f"throughput (scoring + detection, backlog spanning {span:.0f}s of event time, "
                f"tansu_compat={not args.no_tansu_compat}, workers: {'+'.join(workers)}): "
                f"{len(backlog) / elapsed:,.0f} mentions/s ({len(backlog)} in {elapsed:.1f}s)",
                flush=True,
            )
            for role, used in cpu_used.items():
                print(
                    f"CPU time of the {role} worker over the backlog: {used:.1f}s "
                    f"({len(backlog) / max(used, 1e-9):,.0f} mentions per CPU-second: the rate one free core would give)"
                )
            if first is not None and scoring_done is not None:
                print(
                    f"scoring stage alone: {len(backlog) / (scoring_done - first):,.0f} mentions/s "
                    f"({metric(scoring_url, 'vigie_classifier_scoring_seconds_sum'):.1f}s of it in the model)"
                )
            for role, (process, _) in workers.items():
                current, peak = rss_mb(process.pid)
                print(
                    f"RSS of the {role} worker, {args.territories} territories: {current:.0f} MB (peak {peak:.0f} MB)"
                )

            live = mentions(
                args.latency_mentions,
                ids,
                span_s=args.latency_mentions / args.rate,
                start=START + timedelta(seconds=span + 1),
                seed=2,
            )
            wanted = {m.mention_id for m in live}

            async def latency_phase() -> tuple[dict[str, float], dict[str, float]]:
                consumer = asyncio.create_task(consume_scored(bootstrap, wanted, 120))
                await asyncio.sleep(1.0)
                sent = await produce(bootstrap, live, rate=args.rate)
                return sent, await consumer

            sent, seen = asyncio.run(latency_phase())
            latencies = [seen[m] - sent[m] for m in seen]
            if latencies:
                print(
                    f"latency produced -> scored consumed at {args.rate:.0f}/s: "
                    f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
                    f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms ({len(latencies)}/{len(live)} seen)",
                    flush=True,
                )
            for role, (process, _) in workers.items():
                current, peak = rss_mb(process.pid)
                print(f"RSS of the {role} worker after the latency phase: {current:.0f} MB (peak {peak:.0f} MB)")
        finally:
            for role, (process, _) in workers.items():
                process.send_signal(signal.SIGTERM)
                try:
                    code = process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    code = process.wait()
                print(f"{role} worker exit code after SIGTERM: {code}")


if __name__ == "__main__":
    main()
