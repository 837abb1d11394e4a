"""The operations endpoint every service exposes: liveness, readiness with a reason, Prometheus metrics."""

from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry, Counter

from vigie.runtime.health import OpsServer, build_app


async def test_healthz_readyz_and_metrics() -> None:
    registry = CollectorRegistry()
    counter = Counter("vigie_test_events_total", "events", registry=registry)
    counter.inc(3)
    reason: list[str | None] = ["waiting for partition assignment"]
    server = OpsServer(build_app(registry, lambda: reason[0]), port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["reason"] == "waiting for partition assignment"
            reason[0] = None
            assert (await client.get("/readyz")).status_code == 200
            metrics = await client.get("/metrics")
            assert "vigie_test_events_total 3.0" in metrics.text
            assert metrics.headers["content-type"].startswith("text/plain")
    finally:
        await server.stop()
    assert server.port > 0


async def test_healthz_fails_with_the_reason_while_the_liveness_check_does() -> None:
    failing: list[str | None] = [None]
    server = OpsServer(build_app(CollectorRegistry(), lambda: None, liveness=lambda: failing[0]), port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/healthz")).status_code == 200
            failing[0] = "no progress for 60s with work waiting: vigie.mentions.raw.v1[0]"
            stuck = await client.get("/healthz")
            assert stuck.status_code == 503
            assert stuck.json() == {"status": "failing", "reason": failing[0]}
    finally:
        await server.stop()
