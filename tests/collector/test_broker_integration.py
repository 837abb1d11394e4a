"""Integration with the real broker (fixture ``kafka``): records read back with their keys and CloudEvents
headers; the service restarted on the same state directory neither loses nor re-emits a mention."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.support.kafka import read_back
from vigie.collector.commands import register
from vigie.collector.kafka_sink import KafkaRecordSink
from vigie.collector.service import CollectorService
from vigie.collector.settings import CollectorSettings, RssFeed, SourcesConfig
from vigie.collector.webhook import PATH, WebhookIngest
from vigie.runtime.health import build_app
from vigie.runtime.settings import KafkaSettings
from vigie.schemas import DEADLETTER, MENTIONS_RAW, RawMention, decode, header_value

pytestmark = pytest.mark.broker


async def test_webhook_into_the_broker_with_keys_and_cloudevents_headers(
    kafka, serve, make_pipeline, metrics, registry, unique
) -> None:
    sink = KafkaRecordSink(kafka.bootstrap_servers, linger_ms=5)
    await sink.start()
    try:
        pipeline = make_pipeline()
        pipeline.sink = sink
        ingest = WebhookIngest(pipeline, metrics, token="tok-12345", instance=f"client-{unique}")
        base = await serve(build_app(registry, lambda: None, ingest.routes()))
        mentions = [
            {"id": "1", "text": "Grève SNCF : Lyon et Saint-Malo sans trains", "published_at": "2026-11-27T07:00:00Z"},
            {"id": "2", "text": "{oops", "published_at": "2026-11-27T07:00:00Z"},
        ]
        async with httpx.AsyncClient(base_url=base) as client:
            ok = await client.post(PATH, json=mentions, headers={"Authorization": "Bearer tok-12345"})
            bad = await client.post(PATH, content=b"{oops", headers={"Authorization": "Bearer tok-12345"})
        assert ok.status_code == 202 and bad.status_code == 400
    finally:
        await sink.stop()
    records = [r for r in await read_back(kafka.bootstrap_servers, MENTIONS_RAW, 2) if unique in r.value.decode()]
    assert sorted(r.key.decode() for r in records) == ["lyon", "saint-malo"]
    for record in records:
        mention: RawMention = decode(MENTIONS_RAW, record.value, record.headers)
        assert record.key.decode() == mention.territory_id
        assert mention.mention_id == f"webhook:client-{unique}:1"
        assert header_value(record.headers, "ce_id") == f"{mention.mention_id}@{mention.territory_id}"
        assert header_value(record.headers, "ce_type") == "org.vigie.mention.raw.v1"
        assert header_value(record.headers, "ce_source") == "/vigie/collector"
        assert header_value(record.headers, "ce_subject") == mention.territory_id
        assert header_value(record.headers, "content-type") == "application/json"
    letters = [r for r in await read_back(kafka.bootstrap_servers, DEADLETTER, 1) if unique in r.value.decode()]
    assert len(letters) == 1 and b"not JSON" in letters[0].value


RSS_ITEM = """<item><guid>{guid}</guid><title>{title}</title><link>https://news.example/{guid}</link>
<pubDate>Fri, 27 Nov 2026 06:0{n}:00 GMT</pubDate></item>"""


class Feed:
    def __init__(self) -> None:
        self.items = [("a", "Tempête sur Saint-Malo"), ("b", "Lyon : grève des bus")]
        self.polls = 0

    async def handler(self, request: web.Request) -> web.Response:
        self.polls += 1
        body = "".join(RSS_ITEM.format(guid=g, title=t, n=i) for i, (g, t) in enumerate(self.items))
        return web.Response(
            text=f'<?xml version="1.0"?><rss version="2.0"><channel>{body}</channel></rss>',
            content_type="application/rss+xml",
        )


async def run_service_until(service: CollectorService, predicate) -> None:
    task = asyncio.create_task(service.run())
    deadline = asyncio.get_running_loop().time() + 15
    while not predicate():
        assert not task.done(), task
        assert asyncio.get_running_loop().time() < deadline, "service made no progress"
        await asyncio.sleep(0.02)
    assert service.ops is not None
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{service.ops.url}/readyz")).status_code == 200
        metrics = (await client.get(f"{service.ops.url}/metrics")).text
    assert "vigie_collector_last_success_timestamp_seconds" in metrics
    service.stop.set()
    assert await task == 0


async def test_service_restart_neither_loses_nor_reemits(kafka, serve, territories, tmp_path: Path) -> None:
    feed = Feed()
    app = web.Application()
    app.router.add_get("/feed.xml", feed.handler)
    base = await serve(app)
    sources = SourcesConfig(rss=(RssFeed(url=f"{base}/feed.xml", interval_s=3600),))
    settings = CollectorSettings(
        state_dir=tmp_path / "state",
        kafka=KafkaSettings(**{"KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers}),
        producer_linger_ms=1,
    )
    first = CollectorService(settings, sources, territories)
    await run_service_until(first, lambda: bool(first.runners) and first.runners[0].batches_done >= 1)
    assert first.readiness() is not None  # stopped: not ready

    feed.items.append(("c", "Nice : la promenade fermée, plage interdite"))
    second = CollectorService(settings, sources, territories)
    await run_service_until(second, lambda: bool(second.runners) and second.runners[0].batches_done >= 1)

    records = await read_back(kafka.bootstrap_servers, MENTIONS_RAW, 3)
    assert sorted(json.loads(r.value)["native_id"] for r in records) == ["a", "b", "c"]
    assert feed.polls == 2


def collector_command(argv: list[str]) -> int:
    """``vigie collector ...`` in-process, through the same argparse registration the CLI uses."""
    parser = argparse.ArgumentParser(prog="vigie")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_replay_command_into_the_broker(kafka, tmp_path: Path, capsys) -> None:
    path = tmp_path / "scenario.jsonl"
    lines = [
        {"id": str(i), "text": f"Tempête numéro {i} sur St-Malo", "published_at": "2026-11-27T07:00:00Z"}
        for i in range(50)
    ]
    lines.append({"id": "x", "text": "rien", "published_at": "2026-11-27T07:00:00Z"})
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n{broken\n", encoding="utf-8")
    territories = Path(__file__).resolve().parents[2] / "config" / "territories.example.yaml"
    argv = ["collector", "replay", str(path), "--territories", str(territories), "--speed", "max"]
    code = collector_command([*argv, "--bootstrap-servers", kafka.bootstrap_servers, "--no-progress"])
    assert code == 0
    assert "50 records emitted, 1 unmatched, 0 duplicates, 1 dead-lettered" in capsys.readouterr().err
    records = asyncio.run(read_back(kafka.bootstrap_servers, MENTIONS_RAW, 50))
    assert len(records) == 50 and {r.key for r in records} == {b"saint-malo"}
    assert (
        collector_command(["collector", "replay", str(tmp_path / "missing.jsonl"), "--territories", str(territories)])
        == 2
    )
