"""Notifier latency and throughput: alert produced on the embedded broker -> email accepted by a local SMTP
server (aiosmtpd) and Slack ``chat.postMessage`` received by a local stand-in. Goal: p99 < 1 s per
notification when the receivers answer promptly.

    .venv/bin/python benchmarks/notifier.py [--alerts 100] [--rate 2] [--burst 200] [--no-chart]

Every alert opens a new incident routed to two receivers (email + Slack bot), ``group_wait: 0s``. The
latency of a notification is the time from just before the alert is produced to the moment the SMTP
server has the whole message (end of DATA) or the Slack stand-in has the request. The paced phase sends
``--rate`` alerts/s; the burst phase produces ``--burst`` alerts at once and reports notifications/s until
the last one arrived. The notifier runs in this process (same event loop as the producer and Slack).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from vigie.notifier.routes_config import load_routes
from vigie.notifier.service import NotifierService
from vigie.notifier.settings import NotifierSettings
from vigie.runtime.embedded_broker import EmbeddedBroker, free_port
from vigie.runtime.settings import KafkaSettings
from vigie.schemas import ALERTS, AlertEvent, Evidence, EvidenceMention, SeriesPoint, Significance, encode

arrivals: dict[tuple[str, str], float] = {}


class Inbox:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        now = time.perf_counter()
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"x-vigie-incident:"):
                arrivals[("email", line.split(b":", 1)[1].strip().decode())] = now
                break
        return "250 OK"


async def slack_api(request: web.Request) -> web.Response:
    now = time.perf_counter()
    body = await request.json()
    incident = body["blocks"][-1]["elements"][0]["text"].split("incident ", 1)[1].split(" ", 1)[0]
    arrivals.setdefault(("slack", incident), now)
    return web.json_response({"ok": True, "channel": "C1", "ts": f"{time.time():.6f}"})


def alert(incident: str, when: datetime, n: int = 0) -> AlertEvent:
    # a different series per alert, so that no chart is drawn from the renderer's cache
    series = tuple(
        SeriesPoint(start=when - timedelta(minutes=10 * (12 - i)), observed=2 + 3 * (i > 9) * i + n % 97, expected=2)
        for i in range(12)
    )
    mention = EvidenceMention(
        mention_id="m1",
        text="La plage est fermée, c'est une honte",
        reach=1200,
        source="mastodon",
        language="fr",
        sentiment="negative",
        published_at=when,
    )
    return AlertEvent(
        event_id=f"{incident}:0",
        incident_id=incident,
        sequence=0,
        transition="raised",
        severity="critical",
        territory_id="saint-malo",
        territory_name="Saint-Malo",
        opened_at=when,
        event_time=when,
        significance=Significance(observed=36, expected=6, ratio=6, score=9, negative_share=0.7, baseline_share=0.2),
        peak_severity="critical",
        evidence=Evidence(series=series, top_mentions=(mention,)),
        labels={"region": "bretagne"},
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, sent: dict[str, float], integrations: tuple[str, ...]) -> None:
    for integration in integrations:
        latencies = [arrivals[(integration, i)] - t for i, t in sent.items() if (integration, i) in arrivals]
        missing = len(sent) - len(latencies)
        print(
            f"{name} {integration:5s}: n={len(latencies)} missing={missing} "
            f"p50={statistics.median(latencies) * 1000:.0f} ms p99={percentile(latencies, 0.99) * 1000:.0f} ms "
            f"max={max(latencies) * 1000:.0f} ms"
        )


async def wait_for(sent: dict[str, float], integrations: tuple[str, ...], timeout_s: float) -> float:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if all((n, i) in arrivals for i in sent for n in integrations):
            break
        await asyncio.sleep(0.01)
    return max(arrivals.get((n, i), float("nan")) for i in sent for n in integrations)


async def main(args: argparse.Namespace, bootstrap: str, routes_file: Path) -> None:
    slack_app = web.Application()
    slack_app.router.add_post("/api/chat.postMessage", slack_api)
    runner = web.AppRunner(slack_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.slack_port).start()
    settings = NotifierSettings(
        kafka=KafkaSettings(KAFKA_BOOTSTRAP_SERVERS=bootstrap, session_timeout_ms=2000, heartbeat_interval_ms=500),
        group_id="bench-notifier",
        slack_token=SecretStr("xoxb-bench"),
        log_level="WARNING",
        api_enabled=False,  # the benchmark does not call the API (which would need a token)
    )
    service = NotifierService(settings, load_routes(routes_file))
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(service.run(stop, ready))
    await asyncio.wait_for(ready.wait(), 30)
    for _ in range(600):  # the partition assignment follows the group join
        if service.readiness() is None:
            break
        await asyncio.sleep(0.05)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    integrations = ("email", "slack")
    now = datetime.now(UTC)
    try:
        # warm-up: imports, first chart, connections
        warm = {"warmup:0": time.perf_counter()}
        record = encode(ALERTS, alert("warmup:0", now), source="/bench")
        await producer.send_and_wait(ALERTS, record.value, key=record.key, headers=record.headers)
        await wait_for(warm, integrations, 60)

        paced: dict[str, float] = {}
        interval = 1.0 / args.rate
        start = time.perf_counter()
        for n in range(args.alerts):
            incident = f"paced:{n}"
            record = encode(ALERTS, alert(incident, now, n), source="/bench")
            target = start + n * interval
            if (delay := target - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            paced[incident] = time.perf_counter()
            await producer.send_and_wait(ALERTS, record.value, key=record.key, headers=record.headers)
        await wait_for(paced, integrations, 120)
        report(f"paced {args.rate}/s", paced, integrations)

        burst: dict[str, float] = {}
        records = [encode(ALERTS, alert(f"burst:{n}", now, 1000 + n), source="/bench") for n in range(args.burst)]
        started = time.perf_counter()
        for n, record in enumerate(records):
            burst[f"burst:{n}"] = started
            await producer.send(ALERTS, record.value, key=record.key, headers=record.headers)
        await producer.flush()
        last = await wait_for(burst, integrations, 300)
        delivered = sum(1 for i in burst for n in integrations if (n, i) in arrivals)
        elapsed = last - started
        print(
            f"burst {args.burst} alerts: {delivered} notifications in {elapsed:.2f} s = "
            f"{delivered / elapsed:.0f} notifications/s"
        )
        report("burst", burst, integrations)
    finally:
        await producer.stop()
        stop.set()
        await running
        await runner.cleanup()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=100, help="paced alerts (default 100)")
    parser.add_argument("--rate", type=float, default=2.0, help="paced alerts per second (default 2)")
    parser.add_argument("--burst", type=int, default=200, help="alerts produced at once (default 200)")
    parser.add_argument("--no-chart", action="store_true", help="emails without the inline chart")
    args = parser.parse_args()
    args.slack_port = free_port()
    smtp_port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        routes_file = Path(tmp) / "routes.yaml"
        routes_file.write_text(
            "route:\n  receiver: mail\n  group_wait: 0s\n"
            "  routes: [{receiver: mail, continue: true}, {receiver: slack}]\n"
            "receivers:\n"
            "  - name: mail\n    locale: fr\n    email:\n      to: [veille@example.org]\n"
            "      from: vigie@example.org\n"
            f"      chart: {'false' if args.no_chart else 'true'}\n"
            f"      smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none}}\n"
            "  - name: slack\n    locale: en\n"
            f"    slack: {{mode: bot, channel: '#crise', api_url: 'http://127.0.0.1:{args.slack_port}/api'}}\n",
            encoding="utf-8",
        )
        print(f"notifier benchmark: broker {broker.bootstrap_servers}, chart={'off' if args.no_chart else 'on'}")
        try:
            asyncio.run(main(args, broker.bootstrap_servers, routes_file))
        finally:
            controller.stop()


if __name__ == "__main__":
    cli()
