"""The notifier process against the real broker: alerts in, email out, receipts in the log topic, offsets
committed after delivery, silences from the HTTP API and the CLI, dead letters, and a kill -9 between
the send and the commit that does not send twice after the restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import SecretStr

from tests.support.kafka import kafka_settings, produce, read_topic
from tests.support.notifier import SmtpServer, email_receiver, make_alert
from tests.support.waiting import eventually
from vigie.notifier.routes_config import load_routes
from vigie.notifier.service import NotifierService
from vigie.notifier.settings import NotifierSettings
from vigie.runtime.embedded_broker import free_port
from vigie.schemas import ALERTS, DEADLETTER, DELIVERIES

pytestmark = pytest.mark.broker
VIGIE = str(Path(sys.executable).with_name("vigie"))
TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def committed(bootstrap: str, group: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return sum([await consumer.committed(TopicPartition(ALERTS, p)) or 0 for p in range(3)])
    finally:
        await consumer.stop()


async def cli(env: dict[str, str], *args: str) -> str:
    """Run ``vigie notifier ARGS``; return its stdout (fails the test on a non-zero exit)."""
    process = await asyncio.create_subprocess_exec(
        VIGIE, "notifier", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return out.decode()


def write_routes(tmp_path: Path, smtp_port: int) -> Path:
    path = tmp_path / "routes.yaml"
    path.write_text(
        "route:\n  receiver: mairie\n  group_wait: 0s\n  group_interval: 1s\n"
        "receivers:\n" + email_receiver("mairie", smtp_port),
        encoding="utf-8",
    )
    return path


async def test_service_delivers_logs_commits_and_manages_silences(
    kafka: Any, unique: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    bootstrap = kafka.bootstrap_servers
    group = f"notifier-{unique}"
    settings = NotifierSettings(
        kafka=kafka_settings(bootstrap),
        group_id=group,
        commit_interval_s=0.2,
        silences_path=tmp_path / "silences.json",
        api_token=SecretStr(TOKEN),
    )
    service = NotifierService(settings, load_routes(write_routes(tmp_path, smtp.inbox.port)))
    stop, ready = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(service.run(stop, ready))
    try:
        await asyncio.wait_for(ready.wait(), 60)  # start-up only: a loaded machine may take that long
        assert service.ops is not None
        api = service.ops.url
        incident = f"saint-malo:negative_surge:{unique}"
        await produce(bootstrap, ALERTS, make_alert(0, severity="critical", incident=incident), raw=b"{not json")
        await eventually(lambda: len(smtp.inbox.messages) == 1)
        await eventually(lambda: committed(bootstrap, group), within=10)

        # Silence Nice from the CLI, then send a Nice alert: it is logged as silenced, not sent.
        env = {**os.environ, "VIGIE_NOTIFIER_API_URL": api, "VIGIE_NOTIFIER_API_TOKEN": TOKEN}
        silence_id = (await cli(env, "silence", "add", "-m", "territory_id=nice", "--duration", "1h")).strip()
        assert (tmp_path / "silences.json").exists()
        nice = f"nice:negative_surge:{unique}"
        await produce(bootstrap, ALERTS, make_alert(0, incident=nice, territory_id="nice", territory_name="Nice"))

        async def receipts() -> list[Any]:
            found = [r for r in await read_topic(bootstrap, DELIVERIES) if unique in r.incident_id]
            return found if len(found) == 2 else []

        found = {r.territory_id: r for r in await eventually(receipts)}
        assert found["saint-malo"].outcome == "delivered"
        assert found["saint-malo"].notification_id == f"mairie:{incident}:0"
        assert found["saint-malo"].thread_ref == smtp.inbox.messages[0]["Message-ID"]
        assert found["nice"].outcome == "silenced"
        assert len(smtp.inbox.messages) == 1

        async with httpx.AsyncClient(base_url=api, headers=AUTH) as client:
            [listed] = (await client.get("/api/v1/silences")).json()["silences"]
            assert (listed["id"], listed["state"], listed["matchers"]) == (silence_id, "active", ["territory_id=nice"])
            assert f"{silence_id} expired at" in await cli(env, "silence", "expire", silence_id)
            silences = (await client.get("/api/v1/silences")).json()["silences"]
            assert [s["state"] for s in silences] == ["expired"]
            bad = await client.post("/api/v1/silences", json={"matchers": [], "duration": "1h"})
            assert bad.status_code == 400
            incidents = (await client.get("/api/v1/incidents")).json()["incidents"]
            assert {i["incident_id"] for i in incidents} == {incident, nice}
            assert (await client.get("/readyz")).status_code == 200
            metrics = (await client.get("/metrics")).text
        assert 'vigie_notifier_notifications_total{integration="email",outcome="delivered"} 1.0' in metrics
        assert "vigie_notifier_silenced_total 1.0" in metrics
        assert 'vigie_notifier_deadletters_total{reason="decode"} 1.0' in metrics
        [dead] = [d for d in await read_topic(bootstrap, DEADLETTER) if d.key_preview == "broken"]
        assert dead.topic == ALERTS and dead.error_class == "decode"
    finally:
        stop.set()
        await asyncio.wait_for(running, 20)
    assert await committed(bootstrap, group) == 3  # the delivered, the dead letter and the silenced


async def metric(url: str, name: str) -> float:
    try:
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"{url}/metrics", timeout=2)).text
    except httpx.HTTPError:
        return 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def start_notifier(routes_file: Path, bootstrap: str, group: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "VIGIE_KAFKA_SESSION_TIMEOUT_MS": "2000",
        "VIGIE_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        "VIGIE_NOTIFIER_GROUP_ID": group,
        "VIGIE_NOTIFIER_COMMIT_INTERVAL_S": "600",  # nothing is committed before the kill
        "VIGIE_NOTIFIER_HTTP_PORT": str(port),
        "VIGIE_NOTIFIER_API_TOKEN": TOKEN,
    }
    return subprocess.Popen(
        [VIGIE, "notifier", "run", "--routes", str(routes_file)], env=env, stderr=subprocess.DEVNULL
    )


async def test_kill_between_send_and_commit_does_not_send_twice(
    kafka: Any, unique: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    bootstrap = kafka.bootstrap_servers
    group = f"notifier-{unique}"
    routes_file = write_routes(tmp_path, smtp.inbox.port)
    incident = f"saint-malo:negative_surge:{unique}"
    await produce(bootstrap, ALERTS, make_alert(0, severity="critical", incident=incident))
    port = free_port()
    first = start_notifier(routes_file, bootstrap, group, port)
    try:
        await eventually(lambda: len(smtp.inbox.messages) == 1, within=40)

        async def receipt_logged() -> bool:
            return any(r.incident_id == incident for r in await read_topic(bootstrap, DELIVERIES))

        await eventually(receipt_logged)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert await committed(bootstrap, group) == 0  # killed after the send and the receipt, before the commit

    second = start_notifier(routes_file, bootstrap, group, port)
    try:
        url = f"http://127.0.0.1:{port}"
        await eventually(lambda: metric(url, "vigie_notifier_suppressed_total"), within=40)
        assert await metric(url, "vigie_notifier_log_notifications") >= 1
        assert len(smtp.inbox.messages) == 1
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(20)
    assert code == 0
    assert await committed(bootstrap, group) == 1  # the graceful stop committed the redelivered alert
