"""The faust pass-through ceiling: what faust's own per-message path costs, without any domain work.

    .venv/bin/python benchmarks/faust_ceiling.py [--mentions 60000] [--scenarios two-faust,two-aiokafka,...]
        [--faust-conf stream_buffer_maxsize=8192 ...] [--sensor batched|prometheus|base] [--loop asyncio|uvloop]
        [--forward-take 500] [--sink-take 1000] [--repeat 1] [--profile-dir DIR]

1. An embedded Tansu broker; ``--mentions`` raw mentions (the classifier benchmark's records: same generator,
   1,000 territories, keyed by territory, 3 partitions) produced to ``vigie.mentions.raw.v1`` up front.
2. Each scenario reads that backlog from the start with its own consumer groups and its own output topic,
   its stages each in a worker process of their own (started together):

   * ``two-faust``: a faust worker whose agent forwards every record's bytes and headers unchanged to a second
     topic (batches from ``take_events`` and produced with the classifier's ``BulkProducer``, as the scoring
     agent does) and a second faust worker whose agent only consumes that topic in batches (detection without
     work); both with the classifier's faust settings (``vigie.classifier.app.faust_app``, tansu_compat, 2 s
     session, its faust monitor (``--sensor``), its GC settings);
   * ``two-aiokafka``: the same two stages with a plain aiokafka consumer (``getmany`` batches, offsets committed
     by hand every second after the batch's output is acknowledged: at least once, like faust's) and the same
     producer;
   * ``one-faust`` / ``one-aiokafka``: the consuming stage alone on the backlog.

For each process (and Tansu's), the CPU time from the scenario's first record to its last, read from /proc:
CPU-seconds per record do not depend on what else the machine runs, records/s do. The load the rest of the
machine put on the cores meanwhile is printed too (``/proc/stat``: busy time minus ours).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the workload of classifier_throughput.py
from benchmarks.classifier_throughput import cpu_seconds, encoded, machine_busy_seconds, mentions, produce
from vigie.runtime.embedded_broker import EmbeddedBroker
from vigie.runtime.topics import TopicRequest
from vigie.schemas import MENTIONS_RAW, TOPICS, encode

HERE = Path(__file__).resolve().parent
SCENARIOS = {
    "two-faust": ("faust-forward", "faust-sink"),
    "two-aiokafka": ("aiokafka-forward", "aiokafka-sink"),
    "one-faust": ("faust-sink",),
    "one-aiokafka": ("aiokafka-sink",),
}
PARTITIONS = TOPICS[MENTIONS_RAW].partitions


# ---------------------------------------------------------------- the worker processes (one stage each)


class Meter:
    """Counts the records a stage processed; reports (to the report file) its first and its last."""

    def __init__(self, report: Path, expected: int, profile: str | None = None) -> None:
        self.report, self.expected, self.count = report, expected, 0
        # --profile-dir: cProfile from the first record to the last (slows the stage: for where, not how much)
        self.profile = profile
        self.profiler = cProfile.Profile() if profile else None

    def _write(self, event: str) -> None:
        line = {"event": event, "wall": time.time(), "cpu": time.process_time(), "count": self.count}
        with self.report.open("a") as out:
            out.write(json.dumps(line) + "\n")

    def add(self, records: int) -> None:
        if self.count == 0 and records:
            self._write("first")
            if self.profiler is not None:
                self.profiler.enable()
        before, self.count = self.count, self.count + records
        if before < self.expected <= self.count:
            if self.profiler is not None and self.profile:
                self.profiler.disable()
                self.profiler.dump_stats(self.profile)
            self._write("done")


def _settings(args: argparse.Namespace) -> Any:
    from vigie.classifier.settings import ClassifierSettings

    return ClassifierSettings(
        app_id=args.group,
        tansu_compat=True,
        broker_session_timeout_s=2,
        broker_heartbeat_interval_s=0.5,
        log_level="WARNING",
        data_dir=Path(args.data_dir),
    )


def _parse_conf(pairs: Sequence[str]) -> dict[str, Any]:
    conf: dict[str, Any] = {}
    for pair in pairs:
        key, _, text = pair.partition("=")
        try:
            conf[key] = json.loads(text)
        except json.JSONDecodeError:
            conf[key] = text
    return conf


def new_loop(args: argparse.Namespace) -> asyncio.AbstractEventLoop:
    """The worker's event loop of ``--loop`` (uvloop's, the classifier's default, or asyncio's)."""
    from vigie.classifier.service.worker import new_event_loop

    return new_event_loop(args.loop)


def run_faust_stage(args: argparse.Namespace) -> None:
    """A faust worker with one agent: forward (to ``args.sink``) or only consume ``args.source``."""
    import faust
    from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
    from prometheus_client import CollectorRegistry

    from vigie.classifier.app import faust_app, raw_record_schema
    from vigie.classifier.service.bulk_producer import BulkProducer
    from vigie.classifier.service.faust_sensor import batched_prometheus_monitor
    from vigie.schemas.codec import EncodedRecord

    settings = _settings(args)
    app = faust_app(settings)
    for key, value in _parse_conf(args.faust_conf).items():
        setattr(app.conf, key, value)
    if args.sensor == "prometheus":
        app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(CollectorRegistry(), "ceiling_faust"))
    elif args.sensor == "batched":
        app.monitor = batched_prometheus_monitor(CollectorRegistry(), "ceiling_faust")
    bulk = BulkProducer(settings)
    meter = Meter(Path(args.report), args.expected, args.profile)

    def topic(name: str) -> Any:
        return app.topic(name, schema=raw_record_schema(), internal=False)

    sink = args.sink

    async def forward(stream: Any) -> None:
        gc.collect()
        gc.freeze()
        async for events in stream.take_events(args.forward_take, within=0.05):
            messages = [event.message for event in events]
            await bulk.send_all(
                [EncodedRecord(sink, m.key, m.value, list(m.headers or ())) for m in messages],
                [m.partition for m in messages],
            )
            meter.add(len(messages))

    async def consume(stream: Any) -> None:
        gc.collect()
        gc.freeze()
        async for events in stream.take_events(args.sink_take, within=0.1):
            meter.add(len(events))

    app.agent(topic(args.source), name="stage")(forward if args.stage == "faust-forward" else consume)
    worker = faust.Worker(app, bulk, loglevel="WARNING", quiet=True, override_logging=False, loop=new_loop(args))
    worker.execute_from_commandline()


async def run_aiokafka_stage(args: argparse.Namespace) -> None:
    """The same stage with a plain aiokafka consumer: batches from ``getmany``, the forwarded batch acknowledged
    before its offsets may be committed (every second, like faust's ``broker_commit_interval``)."""
    from aiokafka import AIOKafkaConsumer

    from vigie.classifier.service.bulk_producer import BulkProducer
    from vigie.schemas.codec import EncodedRecord

    settings = _settings(args)
    consumer = AIOKafkaConsumer(
        args.source,
        bootstrap_servers=settings.kafka.bootstrap_servers,
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
    )
    bulk = BulkProducer(settings)
    meter = Meter(Path(args.report), args.expected, args.profile)
    forwarding = args.stage == "aiokafka-forward"
    take, within_ms = (args.forward_take, 50) if forwarding else (args.sink_take, 100)
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await consumer.start()
    if forwarding:
        await bulk.start()
    gc.collect()
    gc.freeze()
    committed = time.monotonic()
    try:
        while not stopping.is_set():
            batches = await consumer.getmany(timeout_ms=within_ms, max_records=take)
            messages = [m for records in batches.values() for m in records]
            if forwarding and messages:
                await bulk.send_all(
                    [EncodedRecord(args.sink, m.key, m.value, list(m.headers)) for m in messages],
                    [m.partition for m in messages],
                )
            meter.add(len(messages))
            if time.monotonic() - committed >= settings.commit_interval_s:
                await consumer.commit()
                committed = time.monotonic()
        await consumer.commit()
    finally:
        await consumer.stop()
        if forwarding:
            await bulk.stop()


# ---------------------------------------------------------------- the driver


@dataclass
class Stage:
    name: str
    process: subprocess.Popen[bytes]
    report: Path

    def events(self) -> dict[str, dict[str, float]]:
        if not self.report.exists():
            return {}
        return {line["event"]: line for line in map(json.loads, self.report.read_text().splitlines())}


def start_stage(
    name: str, scenario: str, bootstrap: str, sink: str, args: argparse.Namespace, directory: Path
) -> Stage:
    report = directory / f"{scenario}-{name}.jsonl"
    source = sink if name.endswith("-sink") and len(SCENARIOS[scenario]) == 2 else MENTIONS_RAW
    command = [
        sys.executable,
        __file__,
        "--stage",
        name,
        "--source",
        source,
        "--sink",
        sink,
        "--group",
        f"{sink}-{name}",
        "--report",
        str(report),
        "--expected",
        str(args.mentions),
        "--data-dir",
        str(directory / f"data-{scenario}-{name}"),
        "--forward-take",
        str(args.forward_take),
        "--sink-take",
        str(args.sink_take),
        f"--sensor={args.sensor}",
        f"--loop={args.loop}",
        *(
            [f"--profile={Path(args.profile_dir).resolve() / (sink + '-' + name + '.prof')}"]
            if args.profile_dir
            else []
        ),
        *[f"--faust-conf={pair}" for pair in args.faust_conf],
    ]
    with (directory / f"{scenario}-{name}.log").open("wb") as log:
        process = subprocess.Popen(
            command, env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}, stdout=log, stderr=subprocess.STDOUT
        )
    return Stage(name, process, report)


def stop(stages: Sequence[Stage]) -> None:
    for stage in stages:
        if stage.process.poll() is None:
            stage.process.send_signal(signal.SIGTERM)
    for stage in stages:
        try:
            stage.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stage.process.kill()
            stage.process.wait()


def run_scenario(
    scenario: str, broker: EmbeddedBroker, args: argparse.Namespace, directory: Path, run: int = 0
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    sink = f"ceiling.{scenario}.{run}.out"
    broker.create_topics([TopicRequest(sink, PARTITIONS)])
    assert broker.pid is not None
    stages = [
        start_stage(name, scenario, broker.bootstrap_servers, sink, args, directory) for name in SCENARIOS[scenario]
    ]
    first_stage, last_stage = stages[0], stages[-1]
    tansu_first = busy_first = None
    try:
        deadline = time.monotonic() + args.timeout
        while "done" not in last_stage.events():
            if time.monotonic() > deadline or any(s.process.poll() is not None for s in stages):
                logs = "; ".join(
                    f"{s.name}: {(directory / f'{scenario}-{s.name}.log').read_text()[-800:]}" for s in stages
                )
                raise RuntimeError(f"{scenario}: not done ({ {s.name: s.events() for s in stages} }) {logs}")
            if tansu_first is None and "first" in first_stage.events():
                tansu_first, busy_first = cpu_seconds(broker.pid), machine_busy_seconds()
            time.sleep(0.02)
        tansu_used = cpu_seconds(broker.pid) - (tansu_first or 0.0)
        busy = machine_busy_seconds() - (busy_first or 0.0)
    finally:
        stop(stages)
    reports = {s.name: s.events() for s in stages}
    began = reports[first_stage.name]["first"]["wall"]
    wall = reports[last_stage.name]["done"]["wall"] - began
    n = args.mentions
    print(f"{scenario}: {n:,} records through {len(stages)} stage(s): {n / wall:,.0f} records/s wall ({wall:.2f} s)")
    ours = tansu_used
    total_us = tansu_used / n * 1e6
    for name, events in reports.items():
        used = events["done"]["cpu"] - events["first"]["cpu"]
        alone = events["done"]["wall"] - events["first"]["wall"]
        ours += used
        total_us += used / n * 1e6
        print(
            f"  {name:17s} {used:6.2f} CPU-s  {used / n * 1e6:6.1f} us/record  "
            f"({n / used:,.0f} records per CPU-second; its own span {n / alone:,.0f} records/s)"
        )
    print(f"  {'tansu':17s} {tansu_used:6.2f} CPU-s  {tansu_used / n * 1e6:6.1f} us/record")
    print(
        f"  all of it: {total_us:.0f} us/record = {total_us * 5000 / 1e6:.2f} of the 2 cores at 5,000 records/s; "
        f"the rest of the machine used {max(0.0, busy - ours) / wall:.2f} cores meanwhile",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=60_000)
    parser.add_argument("--territories", type=int, default=1000)
    parser.add_argument("--scenarios", default="two-faust,two-aiokafka,one-faust,one-aiokafka")
    parser.add_argument("--repeat", type=int, default=1, help="run every scenario this many times (interleaved)")
    parser.add_argument("--forward-take", type=int, default=500, help="batch of the forwarding stage (scoring's)")
    parser.add_argument("--sink-take", type=int, default=1000, help="batch of the consuming stage (detection's)")
    parser.add_argument(
        "--sensor",
        choices=["batched", "prometheus", "base"],
        default="batched",
        help="faust's monitor: the classifier's (batched Prometheus, the default), faust's own PrometheusMonitor "
        "(the classifier's before, or with faust_sensor_per_message), or faust's base in-memory Monitor only",
    )
    parser.add_argument(
        "--faust-conf", action="append", default=[], help="KEY=VALUE faust setting over the classifier's (repeatable)"
    )
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="the stages' event loop (the classifier's: uvloop)",
    )
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--profile-dir", help="write each stage's cProfile (first record to last) here")
    # a stage's own process (started by the driver)
    parser.add_argument("--stage", choices=["faust-forward", "faust-sink", "aiokafka-forward", "aiokafka-sink"])
    parser.add_argument("--source")
    parser.add_argument("--sink")
    parser.add_argument("--group")
    parser.add_argument("--report")
    parser.add_argument("--expected", type=int)
    parser.add_argument("--data-dir")
    parser.add_argument("--profile")
    args = parser.parse_args()

    if args.stage is not None:
        # as the classifier worker does (vigie.classifier.service.worker)
        gc.set_threshold(10_000, 10, 10)
        if args.stage.startswith("faust"):
            run_faust_stage(args)
        else:
            with asyncio.Runner(loop_factory=lambda: new_loop(args)) as runner:
                runner.run(run_aiokafka_stage(args))
        return

    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        ids = [f"t{index:04d}" for index in range(args.territories)]
        backlog = mentions(args.mentions, ids, span_s=args.mentions / 5000, crisis=ids[0])
        began = time.monotonic()
        asyncio.run(produce(broker.bootstrap_servers, encoded(backlog)))
        size = sum(len(encode(MENTIONS_RAW, m, source="/bench").value) for m in backlog[:1000]) / 1000
        print(
            f"backlog: {len(backlog):,} raw mentions (~{size:.0f}-byte values, {PARTITIONS} partitions, keyed by "
            f"territory) produced in {time.monotonic() - began:.1f} s; machine: {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f}; faust settings: the classifier's"
            + (f" + {', '.join(args.faust_conf)}" if args.faust_conf else "")
            + f", {args.sensor} sensor"
            + f", {args.loop} event loop"
            + f"; batches {args.forward_take} (forward) / {args.sink_take} (sink)",
            flush=True,
        )
        for round_ in range(args.repeat):
            for scenario in args.scenarios.split(","):
                run_scenario(scenario, broker, args, Path(tmp) / str(round_), round_)


if __name__ == "__main__":
    main()
