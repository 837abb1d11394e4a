"""``vigie demo``: the whole pipeline on the embedded broker, fed with the bundled scenario.

It starts Tansu (in memory), a local SMTP server and a Slack stand-in, then the classifier and the notifier
as separate processes, and replays the scenario through the collector at full speed. It shows the counts
and the incident timeline as they happen, prints a summary, and leaves in the output folder what the
receivers got (emails as ``.eml`` + ``.html`` + chart ``.png``, Slack requests as ``.json``), the
configuration it used and every process's log. Ctrl-C stops every process it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sys
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import aiohttp
from aiokafka import AIOKafkaConsumer, TopicPartition
from rich.console import Console
from rich.table import Table

from vigie.demo.incident_page import incident_link, visit
from vigie.demo.processes import ServiceNotReadyError, ServiceProcesses, embedded_broker_env
from vigie.demo.scenario import as_replay_record, generate
from vigie.demo.stand_ins import SlackStandIn, SmtpStandIn
from vigie.demo.timeline import Timeline
from vigie.runtime.embedded_broker import EmbeddedBroker, free_port
from vigie.schemas import ALERTS, DEADLETTER, DELIVERIES, MENTIONS_RAW, MENTIONS_SCORED

WATCHED = (MENTIONS_RAW, MENTIONS_SCORED, ALERTS, DELIVERIES, DEADLETTER)
CRISIS_TERRITORY = "saint-malo"
FESTIVAL_TERRITORY = "lyon"


@dataclass(frozen=True)
class DemoOptions:
    output: Path
    timeout_s: float = 110.0
    seed: int = 20261206
    settle_s: float = 4.0


class DemoError(RuntimeError):
    """The demo could not show what it promises; the message says what went wrong."""


def _bundled(name: str) -> str:
    return (files("vigie.demo") / "data" / name).read_text(encoding="utf-8")


#: Written in every folder the demo fills: only a folder that has it (or an empty one) is ever emptied.
OUTPUT_MARKER = ".vigie-demo-output"


def prepare_output(output: Path) -> tuple[Path, Path]:
    """Make ``output`` ready for a run and return its ``config`` and ``logs`` folders.

    A folder that does not exist or is empty is used; a folder holding :data:`OUTPUT_MARKER` was written by
    an earlier run and is emptied (every entry in it, symbolic links removed, never followed); any other
    non-empty folder, or a file, is refused with :class:`DemoError`: the demo never deletes what it did
    not write.
    """
    if output.exists() and not output.is_dir():
        raise DemoError(f"--output {output}: exists and is not a folder")
    if output.is_dir() and any(output.iterdir()):
        if not (output / OUTPUT_MARKER).is_file():
            raise DemoError(
                f"--output {output}: the folder is not empty and was not written by vigie demo "
                f"(no {OUTPUT_MARKER} in it); nothing was deleted: name a new or empty folder"
            )
        for child in output.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    output.mkdir(parents=True, exist_ok=True)
    (output / OUTPUT_MARKER).write_text(
        "Written by `vigie demo`: the next run with this --output empties this folder.\n", encoding="utf-8"
    )
    config = output / "config"
    logs = output / "logs"
    config.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    return config, logs


async def _watch(bootstrap: str, timeline: Timeline, console: Console, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p) for topic in WATCHED for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200, max_records=2000)
            for records in batch.values():
                for record in records:
                    line = timeline.observe(record.topic, record.value, list(record.headers or ()))
                    if line:
                        console.print(line)
    finally:
        await consumer.stop()


def _summary(timeline: Timeline, smtp: SmtpStandIn, slack: SlackStandIn, posts: int, elapsed: float) -> Table:
    table = Table(title="Vigie demo — summary", show_header=False)
    table.add_row("posts replayed", str(posts))
    table.add_row("raw mentions (post × territory)", str(timeline.counts[MENTIONS_RAW]))
    table.add_row("scored mentions", str(timeline.counts[MENTIONS_SCORED]))
    table.add_row("by territory", ", ".join(f"{t} {n}" for t, n in timeline.territories.most_common()))
    table.add_row("sentiment", ", ".join(f"{s} {n}" for s, n in timeline.sentiments.most_common()))
    for incident, events in timeline.incidents().items():
        steps = " → ".join(f"{e.transition}({e.severity})" for e in events)
        table.add_row(f"incident {incident}", steps)
    table.add_row("emails accepted by SMTP", str(len(smtp.received)))
    table.add_row("Slack requests received", str(len(slack.received)))
    table.add_row("dead letters", str(timeline.counts[DEADLETTER]))
    table.add_row("wall time", f"{elapsed:.1f} s")
    return table


def _verdict(timeline: Timeline, smtp: SmtpStandIn, slack: SlackStandIn) -> list[str]:
    """What the scenario promises; an empty list means every promise was kept."""
    problems = []
    incidents = timeline.incidents()
    crisis = [events for events in incidents.values() if events[0].territory_id == CRISIS_TERRITORY]
    if not crisis or crisis[0][0].transition != "raised":
        problems.append("the Saint-Malo pollution crisis was not raised")
    elif not any(e.transition == "resolved" for e in crisis[0]):
        problems.append("the Saint-Malo incident was not resolved")
    if len(crisis) > 1:
        problems.append(f"the Saint-Malo crisis was raised {len(crisis)} times")
    if any(events[0].territory_id == FESTIVAL_TERRITORY for events in incidents.values()):
        problems.append("the Fête des Lumières (a positive, expected surge) raised an incident")
    if not smtp.received:
        problems.append("no email reached the SMTP server")
    if not slack.received:
        problems.append("no request reached the Slack stand-in")
    return problems


async def _visit_incident_page(smtp: SmtpStandIn, output: Path, console: Console) -> Path | None:
    """Open the first email's incident link, acknowledge there, and keep the page (None: no link)."""
    link = next((found for m in smtp.received if (found := incident_link(m.path)) is not None), None)
    if link is None:
        console.print("[yellow]no incident link in the emails[/]")
        return None
    try:
        page = await visit(link, output)
    except (aiohttp.ClientError, OSError) as exc:
        console.print(f"[yellow]incident page not reached: {exc}[/]")
        return None
    console.print(f"incident page (acknowledged by the demo): {page}")
    return page


async def run_demo(options: DemoOptions, console: Console | None = None) -> int:
    console = console or Console()
    started = time.monotonic()
    output = options.output.resolve()
    try:
        config_dir, logs_dir = prepare_output(output)
    except DemoError as exc:
        print(f"vigie demo: {exc}", file=sys.stderr)  # one unwrapped line
        return 2
    posts = generate(options.seed)
    scenario = output / "scenario.jsonl"
    with scenario.open("w", encoding="utf-8") as handle:
        for post in posts:
            handle.write(json.dumps(as_replay_record(post), ensure_ascii=False) + "\n")
    territories = config_dir / "territories.yaml"
    territories.write_text(_bundled("territories.yaml"), encoding="utf-8")

    smtp = SmtpStandIn(output)
    slack = SlackStandIn(output)
    routes = config_dir / "routes.yaml"
    routes.write_text(
        _bundled("routes.yaml.template").replace("{smtp_port}", str(smtp.port)).replace("{slack_url}", slack.url),
        encoding="utf-8",
    )
    console.print(f"[bold]Vigie demo[/] — {len(posts)} posts about Saint-Malo, Nice and Lyon on 6 December 2026")
    broker = EmbeddedBroker(log_path=logs_dir / "broker.log")
    processes: ServiceProcesses | None = None
    stop_watch = asyncio.Event()
    watcher: asyncio.Task[None] | None = None
    try:
        broker.start()
        (logs_dir / "broker.pid").write_text(str(broker.pid), encoding="utf-8")
        console.print(f"embedded broker (Tansu) on {broker.bootstrap_servers}, topics created")
        smtp.start()
        await slack.start()
        console.print(f"SMTP server on 127.0.0.1:{smtp.port}, Slack stand-in on {slack.url}")
        classifier_port, notifier_port = free_port(), free_port()
        processes = ServiceProcesses(
            logdir=logs_dir, env=embedded_broker_env(broker.bootstrap_servers, config_dir, "xoxb-vigie-demo-token")
        )
        processes.start("classifier", "classifier", "run", "--territories", str(territories),
                        "--http-port", str(classifier_port))  # fmt: skip
        processes.start("notifier", "notifier", "run", "--routes", str(routes), "--http-port", str(notifier_port),
                        "--silences", str(config_dir / "silences.json"))  # fmt: skip
        await processes.wait_ready("classifier", classifier_port, 60)
        await processes.wait_ready("notifier", notifier_port, 60)
        console.print("classifier and notifier ready; replaying the scenario through the collector at full speed")

        timeline = Timeline()
        watcher = asyncio.create_task(_watch(broker.bootstrap_servers, timeline, console, stop_watch))
        replay = processes.start("collector", "collector", "replay", str(scenario), "--territories", str(territories),
                                 "--speed", "max", "--no-progress")  # fmt: skip
        deadline = started + options.timeout_s
        with console.status("replaying…") as status:
            while time.monotonic() < deadline:
                await asyncio.sleep(0.25)
                if watcher.done():
                    watcher.result()
                crashed = processes.crashed()
                if crashed:
                    raise DemoError(f"{crashed[0]} failed:\n{processes.log_tail(crashed[0])}")
                raw, scored = timeline.counts[MENTIONS_RAW], timeline.counts[MENTIONS_SCORED]
                status.update(
                    f"raw {raw} · scored {scored} · alerts {len(timeline.alerts)} · "
                    f"notifications {len(timeline.deliveries)}"
                )
                caught_up = replay.poll() == 0 and raw > 0 and scored >= raw
                if caught_up and timeline.quiet_for() >= options.settle_s:
                    break
            else:
                console.print(f"[yellow]stopped waiting after {options.timeout_s:.0f}s[/]")
        page = await _visit_incident_page(smtp, output, console)
        elapsed = time.monotonic() - started
        console.print(_summary(timeline, smtp, slack, len(posts), elapsed))
        problems = _verdict(timeline, smtp, slack)
        # What went through the topics, so that `vigie backtest` can be compared with the live service.
        (output / "raw-mentions.jsonl").write_bytes(b"".join(value + b"\n" for value in timeline.raw_values))
        (output / "alerts.jsonl").write_text(
            "".join(alert.model_dump_json() + "\n" for alert in timeline.alerts), encoding="utf-8"
        )
        (output / "summary.json").write_text(
            json.dumps(
                {
                    "posts": len(posts),
                    "counts": dict(timeline.counts),
                    "incidents": {k: [e.transition for e in v] for k, v in timeline.incidents().items()},
                    "emails": [m.path.name for m in smtp.received],
                    "slack_requests": [r.path.name for r in slack.received],
                    "incident_page": page.name if page is not None else None,
                    "problems": problems,
                    "wall_time_s": round(elapsed, 1),
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        for problem in problems:
            console.print(f"[red]✗ {problem}[/]")
        if not problems:
            console.print(f"[green]✓ what the receivers got is in {output}[/]")
        return 0 if not problems else 1
    except (DemoError, ServiceNotReadyError) as exc:
        console.print(f"[red]demo failed:[/] {exc}")
        return 1
    finally:
        stop_watch.set()
        if watcher is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(watcher, 5)
        if processes is not None:
            processes.stop_all()
        await slack.stop()
        with contextlib.suppress(Exception):
            smtp.stop()
        broker.stop()
