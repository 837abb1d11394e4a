"""Classifier throughput through the broker: scoring + detection in a real worker process.

    .venv/bin/python benchmarks/classifier_throughput.py [--mentions 60000] [--territories 1000] [--no-tansu-compat]
        [--split | --roles scoring,detection,detection]

1. An embedded Tansu broker; ``--territories`` generated territories; ``vigie classifier run`` worker(s)
   (default one worker of role ``all``; ``--split``: a scoring and a detection worker; ``--roles``: any list,
   workers of one role share its consumer group and partitions), all started and ready (groups settled).
2. ``--mentions`` raw mentions (about a fifth negative, one crisis; event time spanning ``--event-seconds``)
   produced to ``vigie.mentions.raw.v1`` as fast as the producer goes (~1 s for 60,000; it competes with the
   workers meanwhile): throughput = mentions / (time from the first produced to detection having processed
   every scored mention, read from the workers' /metrics). CPU time of each worker, Tansu and this observer
   over that time, and how busy the machine was.
3. Latency at steady state: mentions produced at ``--rate``/s; for each, produce time -> scored record
   consumed; plus the worker's own alert-latency histogram.
4. The worker's RSS (current and peak) with all territories' detector states in memory.

``--no-tansu-compat`` lets faust's own producer batch (fine on Apache Kafka; on Tansu a restarted worker could lose
table records it wrote, see BROKER.md; the detector changelog goes through the bulk producer either way).
``--profile DIR`` samples every worker with py-spy over the backlog. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
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
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from vigie.runtime.embedded_broker import EmbeddedBroker, free_port
from vigie.schemas import MENTIONS_RAW, MENTIONS_SCORED, Author, RawMention, Source, encode
from vigie.schemas.codec import EncodedRecord

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


def encoded(items: list[RawMention]) -> list[tuple[str, EncodedRecord]]:
    """Each mention's id and record, encoded before the measurement starts (the collector's work, not the
    classifier's: encoding inside the measured time made this observer compete with the workers for ~1 CPU-s)."""
    return [(mention.mention_id, encode(MENTIONS_RAW, mention, source="/bench")) for mention in items]


async def produce(
    bootstrap: str, items: list[tuple[str, EncodedRecord]], rate: float | None = None
) -> dict[str, float]:
    """Produce encoded mentions (as fast as possible, or at ``rate``/s); return each mention's produce time."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    sent_at: dict[str, float] = {}
    started = time.monotonic()
    try:
        for index, (mention_id, record) in enumerate(items):
            if rate is not None:
                delay = started + index / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            sent_at[mention_id] = time.time()
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


async def topic_traffic(bootstrap: str) -> dict[str, tuple[int, int]]:
    """Records and bytes (keys + values + headers) every topic holds: what the workers sent the broker."""
    totals: dict[str, tuple[int, int]] = {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        topics = sorted(await consumer.topics())
    finally:
        await consumer.stop()
    for topic in topics:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=100)
        await consumer.start()
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            if not partitions:
                continue
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            records = size = empty = 0
            while empty < 3:  # no end offsets (Tansu's are wrong after batched produce): read until fetches are empty
                batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
                empty = 0 if batch else empty + 1
                for items in batch.values():
                    for item in items:
                        records += 1
                        size += len(item.key or b"") + len(item.value or b"")
                        size += sum(len(k) + len(v or b"") for k, v in item.headers)
            totals[topic] = (records, size)
        finally:
            await consumer.stop()
    return totals


@functools.cache
def http() -> httpx.Client:
    """One client for every request of the observer: each new httpx client loads the CA bundle (~40 ms of
    CPU), which made the observer take ~8 % of the machine the workers are measured on."""
    return httpx.Client(timeout=5)


def metric(url: str, name: str, labels: dict[str, str] | None = None) -> float:
    """One sample of a worker's /metrics (its lines scanned, not parsed into families: cheaper)."""
    text = http().get(f"{url}/metrics").text
    wanted = [f'{key}="{value}"' for key, value in (labels or {}).items()]
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        if (series == name or series.startswith(name + "{")) and all(pair in series for pair in wanted):
            return float(value)
    return 0.0


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time the process has used so far (load-independent, unlike wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU-seconds every core of the machine spent busy since boot (all but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_worker(
    bootstrap: str, territories: Path, name: str, role: str, app_id: str, args: argparse.Namespace, directory: Path
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
    with (directory / f"worker-{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "vigie.runtime.cli", "classifier", "run", "--territories", str(territories)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def wait_ready(url: str, timeout_s: float = 60.0) -> None:
    """Until the worker answers 200 on /readyz (its agents run, its table is recovered)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if http().get(f"{url}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"worker at {url} not ready after {timeout_s:.0f}s")


def start_profilers(
    workers: dict[str, tuple[subprocess.Popen[bytes], str]], directory: Path
) -> list[subprocess.Popen[bytes]]:
    """A ``py-spy record`` attached to each worker (py-spy from this interpreter's environment)."""
    directory.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--rate",
        "100",
        "--nonblocking",
        "--format",
        "raw",
    ]
    return [
        subprocess.Popen(
            [*command, "--pid", str(process.pid), "--output", str(directory / f"{name}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, (process, _) in workers.items()
    ]


def stop_profilers(profilers: list[subprocess.Popen[bytes]]) -> None:
    """Each py-spy writes its file on SIGINT."""
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        profiler.wait(timeout=30)


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
        "--roles",
        help="comma-separated worker roles, one process each (e.g. scoring,detection,detection: the detection "
        "workers share the topic's partitions); overrides --split",
    )
    parser.add_argument(
        "--event-seconds",
        type=float,
        help="event time the backlog spans (default: mentions / 5000, i.e. live at 5,000 mentions/s; "
        "86400 = a day of history replayed)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="directory: every worker is sampled by py-spy (100 Hz, raw collapsed stacks, one file per worker) "
        "over the backlog; py-spy's own CPU competes with the workers (a profiling run, not a measurement)",
    )
    parser.add_argument(
        "--topics", action="store_true", help="after the backlog, count the records and bytes every topic holds"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        bootstrap = broker.bootstrap_servers
        path, ids = territory_file(args.territories, Path(tmp))
        span = args.event_seconds or args.mentions / 5000
        backlog = mentions(args.mentions, ids, span_s=span, crisis=ids[0])
        backlog_records = encoded(backlog)
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other processes compete)",
            flush=True,
        )

        roles = (args.roles or ("scoring,detection" if args.split else "all")).split(",")
        names = [
            role if roles.count(role) == 1 else f"{role}-{roles[:i].count(role) + 1}" for i, role in enumerate(roles)
        ]
        # Every worker is started and ready (its group settled: a later member makes the earlier ones rebalance)
        # before the backlog is produced, so no rebalance lands inside the measurement and no worker has a head
        # start. The producer (this process, ~1 s of one core) competes with the workers meanwhile.
        workers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        try:  # the finally below stops every worker started, also when one never gets ready
            for name, role in zip(names, roles, strict=True):
                app_id = {"scoring": "bench-scoring", "detection": "bench-detection"}.get(role, "bench")
                workers[name] = start_worker(bootstrap, path, name, role, app_id, args, Path(tmp))
                wait_ready(workers[name][1])
            for _, url in workers.values():
                wait_ready(url)
            scoring_urls = [workers[n][1] for n, r in zip(names, roles, strict=True) if r in ("scoring", "all")]
            detection_urls = [workers[n][1] for n, r in zip(names, roles, strict=True) if r in ("detection", "all")]
            worker_cpu_first = {name: cpu_seconds(process.pid) for name, (process, _) in workers.items()}
            tansu_cpu_first, observer_cpu_first = cpu_seconds(broker.pid or "self"), cpu_seconds()
            profilers = start_profilers(workers, args.profile) if args.profile else []
            busy_first = machine_busy_seconds()
            began = time.monotonic()
            asyncio.run(produce(bootstrap, backlog_records))
            print(f"produced backlog: {len(backlog)} mentions in {time.monotonic() - began:.1f}s", flush=True)
            detected = "vigie_classifier_batch_size_sum"
            scoring_done = None
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                try:
                    # Each scrape renders every series in the worker's event loop (~5 % of a detection worker's
                    # CPU at 5 scrapes/s): once a second while most of the backlog is still ahead, then 10/s for
                    # the end (its time is what the throughput hangs on).
                    done = sum(metric(url, detected, {"stage": "detection"}) for url in detection_urls)
                    scored = sum(metric(url, detected, {"stage": "scoring"}) for url in scoring_urls)
                except httpx.HTTPError:
                    time.sleep(0.2)
                    continue
                if scoring_done is None and scored >= len(backlog):
                    scoring_done = time.monotonic()
                if done >= len(backlog):
                    break
                time.sleep(1.0 if max(done, scored) < 0.8 * len(backlog) else 0.1)
            elapsed = time.monotonic() - began
            stop_profilers(profilers)
            cpu_used = {
                name: cpu_seconds(process.pid) - worker_cpu_first[name] for name, (process, _) in workers.items()
            }
            tansu_used = cpu_seconds(broker.pid or "self") - tansu_cpu_first
            observer_used = cpu_seconds() - observer_cpu_first
            busy = machine_busy_seconds() - busy_first
            print(
                f"throughput (scoring + detection, backlog spanning {span:.0f}s of event time, "
                f"tansu_compat={not args.no_tansu_compat}, workers: {'+'.join(workers)}): "
                f"{len(backlog) / elapsed:,.0f} mentions/s ({len(backlog)} in {elapsed:.1f}s)",
                flush=True,
            )
            for name, used in cpu_used.items():
                print(
                    f"CPU time of the {name} worker over the backlog: {used:.1f}s "
                    f"({len(backlog) / max(used, 1e-9):,.0f} mentions per CPU-second: the rate one free core would give)"
                )
            print(
                f"CPU time of Tansu over the backlog: {tansu_used:.1f}s, of this benchmark (observing): "
                f"{observer_used:.1f}s; the machine was busy {busy:.1f} of "
                f"{elapsed * (os.cpu_count() or 1):.1f} core-seconds"
            )
            if scoring_done is not None:
                print(
                    f"scoring stage alone: {len(backlog) / (scoring_done - began):,.0f} mentions/s "
                    f"({sum(metric(url, 'vigie_classifier_scoring_seconds_sum') for url in scoring_urls):.1f}s "
                    "of it in the model)"
                )
            for role, (process, _) in workers.items():
                current, peak = rss_mb(process.pid)
                print(
                    f"RSS of the {role} worker, {args.territories} territories: {current:.0f} MB (peak {peak:.0f} MB)"
                )
            for name, (_, url) in workers.items():
                # Batches and checkpoints: the per-batch and per-checkpoint costs are spread over fewer mentions
                # when a worker keeps up with a trickle (small batches) or checkpoints on its timer in a long run.
                parts = []
                for stage in ("scoring", "detection"):
                    batches = metric(url, "vigie_classifier_batch_size_count", {"stage": stage})
                    if batches:
                        size = metric(url, "vigie_classifier_batch_size_sum", {"stage": stage}) / batches
                        parts.append(f"{batches:.0f} {stage} batches of {size:.0f} records on average")
                checkpoints = metric(url, "vigie_classifier_checkpoint_seconds_count")
                if checkpoints:
                    writes = metric(url, "vigie_classifier_checkpoint_writes_total")
                    seconds = metric(url, "vigie_classifier_checkpoint_seconds_sum")
                    parts.append(f"{checkpoints:.0f} checkpoints ({writes:.0f} table writes, {seconds:.1f}s)")
                print(f"{name} worker: {', '.join(parts) or 'no batch'}")

            if args.topics:
                for topic, (records, size) in asyncio.run(topic_traffic(bootstrap)).items():
                    print(f"topic {topic}: {records:,} records, {size / 1e6:.1f} MB")
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
                sent = await produce(bootstrap, encoded(live), rate=args.rate)
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
