"""End to end on the embedded broker: the three services as separate processes, as in production.

    .venv/bin/python benchmarks/end_to_end.py [--mentions 20000] [--crises 8]

1. **Throughput** — the collector replays ``--mentions`` generated posts (matched against the territories)
   as fast as it can; measured: mentions/s from the start of the replay until the classifier has scored
   the last one (raw count == scored count).
2. **Alert latency** — ``--crises`` independent crises, one territory each, fed live through the raw
   topic at a steady pace (event time = wall time). For each incident the latency runs from the moment the
   mention that made it significant (the alert's ``trigger_mention_id``) was produced to the moment the
   SMTP server accepted the email and the Slack stand-in received the request. Goal: p99 < 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from vigie.demo.processes import ServiceNotReadyError, ServiceProcesses, embedded_broker_env
from vigie.demo.stand_ins import ReceivedEmail, SlackRequest, SlackStandIn, SmtpStandIn
from vigie.runtime.embedded_broker import EmbeddedBroker, free_port
from vigie.schemas import ALERTS, MENTIONS_RAW, MENTIONS_SCORED, AlertEvent, Author, RawMention, Source, decode, encode

TERRITORIES = 20
INCIDENT_ID = re.compile(r"[a-z0-9-]+:negative_surge:\d{8}T\d{4}Z")


def territory_file(directory: Path) -> Path:
    lines = ["version: 1", "territories:"]
    for index in range(TERRITORIES):
        lines += [
            f"  - id: bench-{index:02d}",
            f"    name: Bourg-{index:02d}",
            f"    aliases: [Bourg-{index:02d}]",
            "    size_class: town",
            "    labels: {team: bench}",
        ]
    path = directory / "territories.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def routes_file(directory: Path, smtp_port: int, slack_url: str) -> Path:
    path = directory / "routes.yaml"
    path.write_text(
        f"""version: 1
route:
  receiver: desk-email
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 24h
  routes:
    - matchers: ["team=bench"]
      receiver: desk-email
      continue: true
    - matchers: ["team=bench"]
      receiver: desk-slack
receivers:
  - name: desk-email
    locale: fr
    email:
      to: [desk@bench.example]
      from: Vigie <vigie@bench.example>
      smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none}}
  - name: desk-slack
    locale: fr
    slack: {{mode: bot, channel: "#bench", api_url: "{slack_url}/api"}}
""",
        encoding="utf-8",
    )
    return path


POSITIVE = ["Belle journée à Bourg-{n}, le marché est super", "Bourg-{n} est magnifique ce matin"]
NEUTRAL = ["Conseil municipal de Bourg-{n} jeudi à 18h", "Travaux rue principale à Bourg-{n} cette semaine"]
NEGATIVE = [
    "Scandale à Bourg-{n} : l'eau du robinet est polluée, c'est honteux",
    "Honte à la mairie de Bourg-{n}, rien n'est fait contre la pollution",
    "Catastrophe à Bourg-{n}, l'usine a tout pollué, on est furieux",
]


def replay_file(directory: Path, count: int, rng: random.Random) -> Path:
    path = directory / "replay.jsonl"
    start = datetime(2026, 5, 4, tzinfo=UTC).timestamp()
    with path.open("w", encoding="utf-8") as handle:
        for index in range(count):
            n = f"{rng.randrange(TERRITORIES):02d}"
            text = rng.choice(rng.choice([POSITIVE, NEUTRAL, NEUTRAL, NEGATIVE])).format(n=n)
            at = datetime.fromtimestamp(start + index * 86_400 / count, UTC)
            record = {
                "id": f"r{index}",
                "published_at": at.isoformat(),
                "text": text,
                "author": {"id": f"u{rng.randrange(5000)}", "followers": rng.randrange(10, 2000)},
                "source": {"kind": "mastodon", "instance": "bench.example"},
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


async def count_records(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        total = 0
        while True:
            batch = await consumer.getmany(timeout_ms=300, max_records=10_000)
            if not batch:
                return total
            total += sum(len(records) for records in batch.values())
    finally:
        await consumer.stop()


def mention(index: int, territory: int, text: str) -> RawMention:
    now = datetime.now(UTC)
    return RawMention(
        mention_id=f"webhook:bench:live-{index}",
        native_id=f"live-{index}",
        source=Source(kind="webhook", instance="bench"),
        text=text,
        author=Author(id=f"a{index}", handle=f"@a{index}", followers=500),
        published_at=now,
        collected_at=now,
        territory_id=f"bench-{territory:02d}",
        matched_terms=(f"Bourg-{territory:02d}",),
    )


async def latency_phase(
    bootstrap: str, crises: int, emails: dict[str, float], slacks: dict[str, float]
) -> list[tuple[str, float, float]]:
    """Live crises; returns (incident, email latency, slack latency) per incident."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    alerts = AIOKafkaConsumer(ALERTS, bootstrap_servers=bootstrap, auto_offset_reset="latest", enable_auto_commit=False)
    await producer.start()
    await alerts.start()
    sent_at: dict[str, float] = {}
    results: list[tuple[str, float, float]] = []
    counter = 0
    rng = random.Random(7)
    try:
        await asyncio.sleep(1.0)  # the alerts consumer is positioned
        for crisis in range(crises):
            territory = TERRITORIES - 1 - crisis
            raised: AlertEvent | None = None
            deadline = time.monotonic() + 60
            while raised is None and time.monotonic() < deadline:
                counter += 1
                text = rng.choice(NEGATIVE).format(n=f"{territory:02d}")
                record = encode(MENTIONS_RAW, mention(counter, territory, text), source="/vigie/bench")
                sent_at[f"webhook:bench:live-{counter}"] = time.perf_counter()
                await producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)
                batch = await alerts.getmany(timeout_ms=200)
                for records in batch.values():
                    for item in records:
                        event = decode(ALERTS, item.value, list(item.headers or ()))
                        if event.transition == "raised" and event.territory_id == f"bench-{territory:02d}":
                            raised = event
            if raised is None or raised.trigger_mention_id not in sent_at:
                print(f"crisis {crisis}: no raised alert within 60 s")
                continue
            start = sent_at[raised.trigger_mention_id]
            incident = raised.incident_id
            wait_until = time.monotonic() + 20
            # the SMTP stand-in records from its own thread: poll rather than await an asyncio event
            while (incident not in emails or incident not in slacks) and time.monotonic() < wait_until:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            if incident in emails and incident in slacks:
                results.append((incident, emails[incident] - start, slacks[incident] - start))
                print(f"  {incident}: email {results[-1][1]:.3f} s, Slack {results[-1][2]:.3f} s")
            else:
                print(f"crisis {crisis}: notification missing (email {incident in emails}, slack {incident in slacks})")
    finally:
        await alerts.stop()
        await producer.stop()
    return results


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main_async(args: argparse.Namespace) -> None:
    emails: dict[str, float] = {}
    slacks: dict[str, float] = {}

    def on_mail(mail: ReceivedEmail) -> None:
        if mail.incident_id:
            emails.setdefault(mail.incident_id, time.perf_counter())

    def on_slack(request: SlackRequest) -> None:
        for incident in INCIDENT_ID.findall(json.dumps(request.body, ensure_ascii=False)):
            slacks.setdefault(incident, time.perf_counter())

    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        directory = Path(tmp)
        smtp = SmtpStandIn(directory, on_mail)
        slack = SlackStandIn(directory, on_slack)
        smtp.start()
        await slack.start()
        territories = territory_file(directory)
        routes = routes_file(directory, smtp.port, slack.url)
        ports = {"classifier": free_port(), "notifier": free_port()}
        processes = ServiceProcesses(
            logdir=directory / "logs", env=embedded_broker_env(broker.bootstrap_servers, directory, "xoxb-bench")
        )
        try:
            processes.start("classifier", "classifier", "run", "--territories", str(territories),
                            "--http-port", str(ports["classifier"]))  # fmt: skip
            processes.start("notifier", "notifier", "run", "--routes", str(routes),
                            "--http-port", str(ports["notifier"]), "--silences", str(directory / "s.json"))  # fmt: skip
            for name, port in ports.items():
                try:
                    await processes.wait_ready(name, port, 90)
                except ServiceNotReadyError as error:
                    raise SystemExit(str(error)) from None

            replay = replay_file(directory, args.mentions, random.Random(1))
            started = time.perf_counter()
            process = processes.start("collector", "collector", "replay", str(replay), "--territories",
                                      str(territories), "--speed", "max", "--no-progress")  # fmt: skip
            replayed_at = None
            while True:
                await asyncio.sleep(0.5)
                if process.poll() is not None and replayed_at is None:
                    replayed_at = time.perf_counter()
                    raw = await count_records(broker.bootstrap_servers, MENTIONS_RAW)
                if replayed_at is not None:
                    scored = await count_records(broker.bootstrap_servers, MENTIONS_SCORED)
                    if scored >= raw:
                        break
                if time.perf_counter() - started > 600:
                    raise SystemExit("throughput phase did not finish within 10 minutes")
            elapsed = time.perf_counter() - started
            assert replayed_at is not None
            print(f"replay -> raw: {raw} mentions in {replayed_at - started:.1f} s")
            print(f"replay -> scored: {raw} mentions in {elapsed:.1f} s = {raw / elapsed:,.0f} mentions/s")

            # let the notifier finish what the replay raised, so the latency phase measures a live stream
            settled = len(emails) + len(slacks)
            while True:
                await asyncio.sleep(3)
                if len(emails) + len(slacks) == settled:
                    break
                settled = len(emails) + len(slacks)
            results = await latency_phase(broker.bootstrap_servers, args.crises, emails, slacks)
            if results:
                email_latency = [r[1] for r in results]
                slack_latency = [r[2] for r in results]
                print(f"alert latency over {len(results)} crises (trigger mention produced -> received):")
                print(f"  email accepted by SMTP: p50 {statistics.median(email_latency):.3f} s, "
                      f"p99 {percentile(email_latency, 0.99):.3f} s, max {max(email_latency):.3f} s")  # fmt: skip
                print(f"  Slack request received: p50 {statistics.median(slack_latency):.3f} s, "
                      f"p99 {percentile(slack_latency, 0.99):.3f} s, max {max(slack_latency):.3f} s")  # fmt: skip
        finally:
            processes.stop_all()
            await slack.stop()
            smtp.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=20_000, help="posts replayed in the throughput phase")
    parser.add_argument("--crises", type=int, default=8, help="live crises in the latency phase (at most 19)")
    args = parser.parse_args()
    args.crises = min(args.crises, TERRITORIES - 1)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
