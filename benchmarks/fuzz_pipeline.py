"""Whole-pipeline fuzz: hostile records on every topic and on the webhook, with every service running.

    .venv/bin/python benchmarks/fuzz_pipeline.py [--records 100000] [--seed 1]

Starts the embedded broker, the collector (webhook only), the classifier and the notifier as separate
processes (as in production) and a webhook receiver stand-in for the notifier, then sends ``--records``
records spread over ``vigie.mentions.raw.v1``, ``vigie.mentions.scored.v1``, ``vigie.alerts.v1``,
``vigie.deliveries.v1`` and the collector's ``POST /v1/mentions``. About one record in three is valid; the
others are poison of every kind (not JSON, nesting thousands deep, 5,000-digit integers, lone surrogates,
invalid UTF-8, NaN, tombstones, wrong shapes, oversized values, random bytes) or *edge* records whose fate
may be either (dates in year 1 or 2099, CR/LF and Slack mentions in ids and text).

Then every service is killed with SIGKILL and restarted (a poison record or a persisted state must not cause
a crash loop), and one more valid mention and alert go through. Printed, and returned by :func:`run_fuzz`:

- crashes: services that exited on their own (0 expected);
- valid lost: valid raw mentions never scored + valid alerts never delivered + valid webhook mentions never
  on the raw topic (0 expected);
- invalid without a dead letter: per topic, poison records minus the dead letters naming that topic (0 expected);
- webhook answers: 5xx count (0 expected), and 2xx for a poison body (0 expected).

``tests/test_poison_pipeline.py`` runs the same harness on a few hundred records in the suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from vigie.demo.processes import ServiceProcesses, embedded_broker_env
from vigie.runtime.embedded_broker import EmbeddedBroker, free_port
from vigie.schemas import (
    ALERTS,
    DEADLETTER,
    DELIVERIES,
    MENTIONS_RAW,
    MENTIONS_SCORED,
    AlertEvent,
    Author,
    RawMention,
    Source,
    encode,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "schemas" / "examples"
TERRITORIES = 12
Fate = Literal["valid", "invalid", "edge"]
#: Kafka topics the harness writes to.
FUZZED_TOPICS = (MENTIONS_RAW, MENTIONS_SCORED, ALERTS, DELIVERIES)
#: Topics whose consumers must dead-letter every poison record. The notifier reads ``vigie.deliveries.v1`` only
#: to replay its notification log at start-up, where a poison receipt is skipped and counted (dead-lettering it
#: at every start would repeat the dead letter), so that topic is checked for crashes only.
DEAD_LETTERED_TOPICS = (MENTIONS_RAW, MENTIONS_SCORED, ALERTS)
WEBHOOK = "webhook"


@dataclass
class Record:
    fate: Fate
    kind: str
    value: bytes | None
    key: bytes | None = None
    #: id that must come out the other end (mention id or incident id) for a valid record
    expect: str | None = None


@dataclass
class FuzzReport:
    sent: Counter[tuple[str, Fate]] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    #: dead letters written by the consumers of the fuzzed topics, per topic (the collector's dead letters of
    #: refused webhook bodies are counted apart, in ``webhook_dead_letters``)
    dead_letters: Counter[str] = field(default_factory=Counter)
    webhook_dead_letters: int = 0
    #: poison records of the raw and alerts topics that were scored or delivered as if valid (kind:id)
    poison_through: list[str] = field(default_factory=list)
    #: (topic, partition, offset) of the dead-lettered records: a record re-processed after a kill -9 may be
    #: dead-lettered again (at least once), so records are counted, not dead letters
    _dead_lettered: set[tuple[str, int, int]] = field(default_factory=set)
    #: a few dead-letter reasons per topic, to read a failure
    reasons: dict[str, list[str]] = field(default_factory=dict)
    #: kinds of the poison bodies the webhook accepted (should be empty)
    webhook_accepted_kinds: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)
    lost_raw: list[str] = field(default_factory=list)
    lost_alerts: list[str] = field(default_factory=list)
    lost_webhook: list[str] = field(default_factory=list)
    webhook_status: Counter[int] = field(default_factory=Counter)
    webhook_poison_accepted: int = 0
    elapsed_s: float = 0.0

    @property
    def valid_lost(self) -> int:
        return len(self.lost_raw) + len(self.lost_alerts) + len(self.lost_webhook)

    def missing_dead_letters(self) -> dict[str, int]:
        """Per topic, poison records that no dead letter accounts for (edge records may be either)."""
        missing = {}
        for topic in DEAD_LETTERED_TOPICS:
            invalid = self.sent[(topic, "invalid")]
            if self.dead_letters[topic] < invalid:
                missing[topic] = invalid - self.dead_letters[topic]
        return missing

    def excess_dead_letters(self) -> dict[str, int]:
        """Per topic, dead letters beyond the poison and edge records sent (a valid record was dead-lettered)."""
        excess = {}
        for topic in DEAD_LETTERED_TOPICS:
            allowed = self.sent[(topic, "invalid")] + self.sent[(topic, "edge")]
            if self.dead_letters[topic] > allowed:
                excess[topic] = self.dead_letters[topic] - allowed
        return excess

    @property
    def webhook_5xx(self) -> int:
        return sum(count for status, count in self.webhook_status.items() if status >= 500)


# -- the hostile catalogue -------------------------------------------------------------------------------


def territory_id(index: int) -> str:
    return f"fuzz-{index:02d}"


def territory_file(directory: Path) -> Path:
    lines = ["version: 1", "territories:"]
    for index in range(TERRITORIES):
        lines += [
            f"  - id: {territory_id(index)}",
            f"    name: Fuzzville-{index:02d}",
            f"    aliases: [Fuzzville-{index:02d}]",
            "    size_class: town",
            "    labels: {team: fuzz}",
        ]
    path = directory / "territories.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def routes_file(directory: Path, receiver_url: str) -> Path:
    path = directory / "routes.yaml"
    path.write_text(
        f"""version: 1
route:
  receiver: fuzz-webhook
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 24h
receivers:
  - name: fuzz-webhook
    locale: en
    webhook: {{url: "{receiver_url}"}}
""",
        encoding="utf-8",
    )
    return path


def collector_file(directory: Path) -> Path:
    path = directory / "collector.yaml"
    path.write_text("version: 1\nwebhook:\n  enabled: true\n", encoding="utf-8")
    return path


TEXTS = [
    "Scandale à Fuzzville-{n} : la plage est polluée, c'est honteux",
    "Belle journée à Fuzzville-{n}, le marché est super",
    "Conseil municipal de Fuzzville-{n} jeudi à 18h",
    "Fuzzville-{n}: <!channel> <@U123> *bold* `code` &amp; <script>alert(1)</script>",
    "Fuzzville-{n} \u0000 null byte \u202e right-to-left \U0001f525 emoji",
]


def raw_mention(rng: random.Random, serial: int, now: datetime, text: str | None = None) -> RawMention:
    index = rng.randrange(TERRITORIES)
    return RawMention(
        mention_id=f"webhook:fuzz:m{serial}",
        native_id=f"m{serial}",
        source=Source(kind="webhook", instance="fuzz"),
        text=text if text is not None else rng.choice(TEXTS).format(n=f"{index:02d}"),
        author=Author(id=f"a{rng.randrange(500)}", handle=f"@a{serial}", followers=rng.randrange(0, 10**6)),
        published_at=now - timedelta(seconds=rng.randrange(0, 600)),
        collected_at=now,
        territory_id=territory_id(index),
        matched_terms=(f"Fuzzville-{index:02d}",),
    )


def _example(topic: str, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / topic / name).read_text(encoding="utf-8"))
    return loaded


def alert_payload(serial: int, now: datetime, incident: str | None = None) -> dict[str, Any]:
    data = _example(ALERTS, "raised.json")
    incident = incident or f"{territory_id(serial % TERRITORIES)}:negative_surge:fuzz{serial}"
    data.update(
        incident_id=incident,
        event_id=f"{incident}:0",
        territory_id=territory_id(serial % TERRITORIES),
        territory_name=f"Fuzzville-{serial % TERRITORIES:02d}",
        opened_at=now.isoformat(),
        event_time=now.isoformat(),
        labels={"team": "fuzz"},
    )
    return data


def _with_lone_surrogate(text: str) -> str:
    """The JSON text with a lone surrogate escape at the start of its first string value."""
    return re.sub(r'(:\s*")', lambda match: match.group(1) + "\\ud800", text, count=1)


def poison_values(rng: random.Random, valid_json: bytes) -> list[tuple[str, bytes | None]]:
    """Every kind of poison, built around a valid JSON value of the topic where that helps."""
    text = valid_json.decode("utf-8")
    depth = rng.choice([2_000, 5_000, 20_000])
    return [
        ("not-json", valid_json[: max(1, len(valid_json) // 2)]),
        ("deep-array", b"[" * depth + b"]" * (depth if rng.random() < 0.5 else 0)),
        ("deep-object", b'{"a":' * depth + b"1" + b"}" * depth),
        ("huge-int", text.replace("{", '{"big": ' + "9" * 5_000 + ", ", 1).encode()),
        ("huge-int-field", ('{"followers": ' + "7" * rng.choice([5_000, 50_000]) + "}").encode()),
        ("lone-surrogate", _with_lone_surrogate(text).encode()),
        ("invalid-utf8", b"\xff\xfe" + valid_json[:40] + b"\xc3\x28"),
        ("nan", text.replace("{", '{"nan": NaN, "inf": Infinity, ', 1).encode()),
        ("wrong-model", b'{"hello": "world"}'),
        ("wrong-types", json.dumps({k: [v] for k, v in json.loads(text).items()}).encode()),
        ("json-scalar", rng.choice([b"null", b"42", b'"text"', b"true", b"[]"])),
        ("tombstone", None),
        ("empty", b""),
        ("random-bytes", rng.randbytes(rng.randrange(1, 300))),
    ]


def edge_values(valid: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Values that a decoder may accept or refuse, but that must never crash or stall a service."""
    out = []
    for field_name in ("published_at", "event_time", "at"):
        if field_name in valid:
            for date in ("0001-01-01T00:00:00+14:00", "2099-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"):
                out.append((f"date-{date[:4]}", json.dumps({**valid, field_name: date}).encode()))
    for field_name in ("incident_id", "mention_id", "receiver"):
        if field_name in valid:
            hostile = valid[field_name] + "\r\nX-Injected: 1 <!channel>"
            out.append(("crlf-id", json.dumps({**valid, field_name: hostile}).encode()))
    return out


def oversize(valid: dict[str, Any], limit: int = 600 * 1024) -> bytes:
    """A value above the topics' 512 KiB limit (``limit``); the webhook gets one above its 1 MiB body limit,
    since it cuts a long text to the contract's 20,000 characters rather than refusing it."""
    return json.dumps({**valid, "text": "x" * limit}).encode()


# -- the stand-in receiver -------------------------------------------------------------------------------


class ReceiverStandIn:
    """Accepts every webhook notification and remembers the texts it got."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/events"

    async def start(self) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/events", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.text())
        return web.json_response({"ok": True})

    def received(self, incident: str) -> bool:
        """Whether a notification named ``incident`` (not merely an id it is a prefix of) arrived."""
        pattern = re.compile(re.escape(incident) + r"(?![0-9A-Za-z])")
        return any(pattern.search(body) for body in self.bodies)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


# -- the run ---------------------------------------------------------------------------------------------


def build_records(count: int, rng: random.Random) -> dict[str, list[Record]]:
    """``count`` records spread over the fuzzed topics and the webhook: a third valid, the rest hostile."""
    now = datetime.now(UTC)
    plan: dict[str, list[Record]] = {name: [] for name in (*FUZZED_TOPICS, WEBHOOK)}
    targets = [MENTIONS_RAW, MENTIONS_RAW, MENTIONS_SCORED, ALERTS, DELIVERIES, WEBHOOK]
    scored_example = _example(MENTIONS_SCORED, "negative-post.json")
    receipt_example = _example(DELIVERIES, "email-delivered.json")
    for serial in range(count):
        target = targets[serial % len(targets)]
        roll = rng.random()
        fate: Fate = "valid" if roll < 0.34 else "edge" if roll < 0.40 else "invalid"
        if target == MENTIONS_RAW:
            mention = raw_mention(rng, serial, now)
            valid: dict[str, Any] = json.loads(mention.model_dump_json())
            encoded = encode(MENTIONS_RAW, mention, source="/vigie/fuzz")
            good = Record("valid", "mention", encoded.value, encoded.key, expect=mention.mention_id)
        elif target == MENTIONS_SCORED:
            index = serial % TERRITORIES
            valid = {**scored_example, "mention_id": f"webhook:fuzz:s{serial}", "territory_id": territory_id(index)}
            valid.update(published_at=now.isoformat(), collected_at=now.isoformat())
            good = Record("valid", "scored", json.dumps(valid).encode(), territory_id(index).encode())
        elif target == ALERTS:
            valid = alert_payload(serial, now)
            alert = AlertEvent.model_validate(valid)
            encoded = encode(ALERTS, alert, source="/vigie/fuzz")
            good = Record("valid", "alert", encoded.value, encoded.key, expect=alert.incident_id)
        elif target == DELIVERIES:
            valid = {**receipt_example, "incident_id": f"fuzz:receipt:{serial}"}
            good = Record("valid", "receipt", json.dumps(valid).encode(), b"fuzz")
        else:
            body = {
                "id": f"w{serial}",
                "text": rng.choice(TEXTS).format(n=f"{serial % TERRITORIES:02d}"),
                "published_at": (now - timedelta(seconds=rng.randrange(600))).isoformat(),
            }
            valid = body
            good = Record("valid", "webhook", json.dumps(body).encode(), expect=f"w{serial}")
        if fate == "valid":
            plan[target].append(good)
        elif fate == "edge":
            choices = edge_values(valid)
            if not choices:
                plan[target].append(good)
                continue
            kind, value = rng.choice(choices)
            plan[target].append(Record("edge", kind, value, good.key))
        else:
            if rng.random() < 0.002:
                big = oversize(valid, 1_100 * 1024 if target == WEBHOOK else 600 * 1024)
                plan[target].append(Record("invalid", "oversize", big, good.key, good.expect))
                continue
            kind, poison = rng.choice(poison_values(rng, good.value or b"{}"))
            if target == WEBHOOK and poison is None:
                poison = b""
            plan[target].append(Record("invalid", kind, poison, good.key, good.expect))
    return plan


async def _produce(bootstrap: str, plan: dict[str, list[Record]], report: FuzzReport) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_request_size=2 * 1024 * 1024)
    await producer.start()
    try:
        pending = []
        for topic in FUZZED_TOPICS:
            for record in plan.get(topic, ()):
                report.sent[(topic, record.fate)] += 1
                report.kinds[record.kind] += 1
                pending.append(await producer.send(topic, record.value, key=record.key))
                if len(pending) >= 2_000:
                    await asyncio.gather(*pending)
                    pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def _post_webhook(url: str, token: str, records: list[Record], report: FuzzReport) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for record in records:
            report.sent[(WEBHOOK, record.fate)] += 1
            report.kinds[record.kind] += 1
            answer = await client.post(
                f"{url}/v1/mentions",
                content=record.value or b"",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            report.webhook_status[answer.status_code] += 1
            if record.fate == "invalid" and answer.status_code < 300:
                report.webhook_poison_accepted += 1
                report.webhook_accepted_kinds.append(record.kind)


async def _read_topic(bootstrap: str, topic: str, on_value: Callable[[bytes], None]) -> None:
    """Every record of ``topic`` up to its end offsets at the call (no idle fetch to wait for at the end)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=4 << 20
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        pending = [tp for tp in partitions if await consumer.position(tp) < ends[tp]]
        deadline = time.monotonic() + 60
        while pending and time.monotonic() < deadline:
            batch = await consumer.getmany(*pending, timeout_ms=500, max_records=20_000)
            for records in batch.values():
                for record in records:
                    if record.value is not None:
                        on_value(record.value)
            pending = [tp for tp in pending if await consumer.position(tp) < ends[tp]]
    finally:
        await consumer.stop()


async def _ids_on(bootstrap: str, topic: str) -> set[str]:
    found: set[str] = set()

    def collect(value: bytes) -> None:
        with contextlib.suppress(ValueError, RecursionError):  # the raw topic holds the poison we sent
            data = json.loads(value)
            if isinstance(data, dict):
                found.add(str(data.get("mention_id")))

    await _read_topic(bootstrap, topic, collect)
    return found


async def _count_dead_letters(bootstrap: str, report: FuzzReport) -> None:
    def collect(value: bytes) -> None:
        letter = json.loads(value)
        if letter.get("service") == "collector":
            report.webhook_dead_letters += 1
            return
        topic = str(letter.get("topic"))
        where = (topic, int(letter.get("partition", -1)), int(letter.get("offset", -1)))
        if where in report._dead_lettered:
            return
        report._dead_lettered.add(where)
        report.dead_letters[topic] += 1
        reasons = report.reasons.setdefault(topic, [])
        if len(reasons) < 50:
            reasons.append(f"{letter.get('error_class')}: {str(letter.get('reason'))[:160]}")

    await _read_topic(bootstrap, DEADLETTER, collect)


async def _start_all(
    processes: ServiceProcesses, files: dict[str, Path], ports: dict[str, int], ready_within_s: float
) -> None:
    starts = {
        "classifier": ("classifier", "run", "--territories", str(files["territories"]),
                       "--http-port", str(ports["classifier"])),
        "notifier": ("notifier", "run", "--routes", str(files["routes"]), "--http-port", str(ports["notifier"]),
                     "--silences", str(files["silences"])),
        "collector": ("collector", "run", "--config", str(files["collector"]), "--territories",
                      str(files["territories"]), "--state-dir", str(files["state"])),
    }  # fmt: skip
    for name, args in starts.items():
        if name not in processes.children or processes.children[name].poll() is not None:
            processes.start(name, *args)
    for name, port in ports.items():
        await processes.wait_ready(name, port, ready_within_s)


async def run_fuzz(records: int, seed: int = 1, *, settle_timeout_s: float = 180.0) -> FuzzReport:
    """The whole run (see the module docstring); returns the figures."""
    rng = random.Random(seed)
    report = FuzzReport()
    started = time.perf_counter()
    plan = build_records(records, rng)
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        directory = Path(tmp)
        receiver = ReceiverStandIn()
        await receiver.start()
        files = {
            "territories": territory_file(directory),
            "routes": routes_file(directory, receiver.url),
            "collector": collector_file(directory),
            "silences": directory / "silences.json",
            "state": directory / "collector-state",
        }
        ports = {"classifier": free_port(), "notifier": free_port(), "collector": free_port()}
        webhook_token = secrets.token_urlsafe(24)
        env = {
            **embedded_broker_env(broker.bootstrap_servers, directory, "xoxb-fuzz"),
            "VIGIE_COLLECTOR_WEBHOOK_TOKEN": webhook_token,
            "VIGIE_COLLECTOR_WEBHOOK_CLIENT": "fuzz",
            "VIGIE_COLLECTOR_HTTP_PORT": str(ports["collector"]),
            "VIGIE_NOTIFIER_API_TOKEN": secrets.token_urlsafe(24),
        }
        processes = ServiceProcesses(logdir=directory / "logs", env=env)
        try:
            await _start_all(processes, files, ports, 120)
            collector_url = f"http://127.0.0.1:{ports['collector']}"
            await asyncio.gather(
                _produce(broker.bootstrap_servers, plan, report),
                _post_webhook(collector_url, webhook_token, plan[WEBHOOK], report),
            )
            await _settle(broker.bootstrap_servers, plan, receiver, report, settle_timeout_s)
            report.crashes = processes.crashed()
            # kill -9 every service and restart it: persisted state and redelivered poison must not crash-loop
            for name, process in processes.children.items():
                if process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                    report.restarted.append(name)
            await _start_all(processes, files, ports, 120)
            after = _after_restart(rng)
            await _produce(broker.bootstrap_servers, after, report)
            for topic, records_after in after.items():
                for record in records_after:
                    plan[topic].append(record)
            await _settle(broker.bootstrap_servers, plan, receiver, report, settle_timeout_s)
            report.crashes += [name for name in processes.crashed() if name not in report.crashes]
            await _count_dead_letters(broker.bootstrap_servers, report)
        finally:
            _keep_logs(directory / "logs")
            processes.stop_all()
            await receiver.stop()
    report.elapsed_s = time.perf_counter() - started
    return report


def _keep_logs(logdir: Path) -> None:
    """Copy the services' logs to ``$VIGIE_FUZZ_KEEP_LOGS`` when it is set (to read a failure afterwards)."""
    keep = os.environ.get("VIGIE_FUZZ_KEEP_LOGS")
    if keep:
        target = Path(keep)
        target.mkdir(parents=True, exist_ok=True)
        for log in logdir.glob("*.log"):
            (target / log.name).write_bytes(log.read_bytes())


def _after_restart(rng: random.Random) -> dict[str, list[Record]]:
    now = datetime.now(UTC)
    mention = raw_mention(rng, 10**9, now, text="Après redémarrage, Fuzzville-01 reste calme")
    encoded = encode(MENTIONS_RAW, mention, source="/vigie/fuzz")
    alert = AlertEvent.model_validate(alert_payload(10**9 + 1, now))
    encoded_alert = encode(ALERTS, alert, source="/vigie/fuzz")
    return {
        MENTIONS_RAW: [Record("valid", "mention", encoded.value, encoded.key, expect=mention.mention_id)],
        ALERTS: [Record("valid", "alert", encoded_alert.value, encoded_alert.key, expect=alert.incident_id)],
    }


async def _settle(
    bootstrap: str, plan: dict[str, list[Record]], receiver: ReceiverStandIn, report: FuzzReport, within_s: float
) -> None:
    """Wait until every valid record came out the other end, or ``within_s``; record what is missing."""
    raw_expected = {r.expect for r in plan[MENTIONS_RAW] if r.fate == "valid" and r.expect}
    alerts_expected = {r.expect for r in plan[ALERTS] if r.fate == "valid" and r.expect}
    webhook_expected = {r.expect for r in plan[WEBHOOK] if r.fate == "valid" and r.expect}
    deadline = time.monotonic() + within_s
    while True:
        scored = await _ids_on(bootstrap, MENTIONS_SCORED)
        raw = await _ids_on(bootstrap, MENTIONS_RAW)
        report.lost_raw = sorted(raw_expected - scored)
        report.lost_alerts = sorted(i for i in alerts_expected if not receiver.received(i))
        report.lost_webhook = sorted(i for i in webhook_expected if not any(m.endswith(f":{i}") for m in raw))
        if report.valid_lost == 0 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    # poison that came out the other end as if it were valid
    report.poison_through = sorted(
        f"{r.kind}:{r.expect}"
        for topic, came_out in ((MENTIONS_RAW, lambda i: i in scored), (ALERTS, receiver.received))
        for r in plan[topic]
        if r.fate == "invalid" and r.expect and came_out(r.expect)
    )


def print_report(report: FuzzReport) -> None:
    total = sum(report.sent.values())
    print(f"records sent: {total:,} in {report.elapsed_s:.0f} s (services restarted: {', '.join(report.restarted)})")
    print(f"{'target':<28}{'valid':>9}{'edge':>9}{'invalid':>9}{'dead letters':>14}")
    for target in (*FUZZED_TOPICS, WEBHOOK):
        dead = report.dead_letters[target] if target != WEBHOOK else "-"
        print(
            f"{target:<28}{report.sent[(target, 'valid')]:>9,}{report.sent[(target, 'edge')]:>9,}"
            f"{report.sent[(target, 'invalid')]:>9,}{dead!s:>14}"
        )
    print("kinds: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(report.kinds.items())))
    print(f"crashes: {len(report.crashes)} {report.crashes or ''}")
    print(f"valid lost: {report.valid_lost} (raw {len(report.lost_raw)}, alerts {len(report.lost_alerts)}, "
          f"webhook {len(report.lost_webhook)})")  # fmt: skip
    print(f"invalid without a dead letter: {sum(report.missing_dead_letters().values())} "
          f"{report.missing_dead_letters() or ''}")  # fmt: skip
    print(f"valid or edge records dead-lettered beyond the hostile ones: {report.excess_dead_letters() or 0}")
    print(f"poison scored or delivered as if valid: {len(report.poison_through)} {report.poison_through[:10] or ''}")
    if report.valid_lost:
        print(f"lost: {(report.lost_raw + report.lost_alerts + report.lost_webhook)[:10]}")
    if report.excess_dead_letters() or report.valid_lost:
        for topic, reasons in report.reasons.items():
            print(f"dead-letter reasons on {topic}: {sorted(set(reasons))[:12]}")
    print(f"webhook answers: {dict(sorted(report.webhook_status.items()))}; 5xx {report.webhook_5xx}; "
          f"poison accepted {report.webhook_poison_accepted} {report.webhook_accepted_kinds or ''}; "
          f"dead letters of refused bodies {report.webhook_dead_letters}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records spread over the topics and webhook")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--settle-timeout", type=float, default=600.0, help="seconds to wait for the valid records")
    args = parser.parse_args()
    report = asyncio.run(run_fuzz(args.records, args.seed, settle_timeout_s=args.settle_timeout))
    print_report(report)
    failed = (
        report.crashes
        or report.valid_lost
        or report.missing_dead_letters()
        or report.excess_dead_letters()
        or report.poison_through
        or report.webhook_5xx
        or report.webhook_poison_accepted
    )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
