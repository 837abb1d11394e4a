"""The HTTP API on its own: bearer token, silence validation, incidents view (no broker needed)."""

from __future__ import annotations

import httpx
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from tests.support.notifier import email_receiver, make_alert, routes
from vigie.notifier.api import api_routes
from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.offsets import OffsetTracker
from vigie.notifier.silences import Silences
from vigie.runtime.clock import FakeClock
from vigie.runtime.health import OpsServer, build_app


async def test_token_silences_and_incidents() -> None:
    clock, silences, changes = FakeClock(), Silences(), []
    config = routes("route: {receiver: a}\nreceivers:\n" + email_receiver("a", 25))
    dispatcher = Dispatcher(config, silences, NotificationLog(), OffsetTracker(), clock)
    dispatcher.accept(make_alert(0, severity="critical"))
    routes_ = api_routes(dispatcher, silences, clock, lambda: changes.append(1), SecretStr("t0ken"))
    server = OpsServer(build_app(CollectorRegistry(), lambda: None, routes_))
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/api/v1/silences")).status_code == 401
            auth = {"Authorization": "Bearer t0ken"}
            body = {"matchers": ["severity=~major|critical"], "duration": "90m", "comment": "storm", "created_by": "me"}
            created = await client.post("/api/v1/silences", json=body, headers=auth)
            assert created.status_code == 201
            silence = created.json()
            assert (silence["state"], silence["comment"]) == ("active", "storm")
            assert silences.silencing(make_alert(0, severity="critical"), clock.now()) is not None
            for bad in (
                {"matchers": ["x"], "duration": "1h"},
                {"matchers": ["a=b"]},
                {"matchers": ["a=b"], "duration": "-"},
            ):
                assert (await client.post("/api/v1/silences", json=bad, headers=auth)).status_code == 400
            assert (await client.delete("/api/v1/silences/nope", headers=auth)).status_code == 404
            [incident] = (await client.get("/api/v1/incidents", headers=auth)).json()["incidents"]
            assert (incident["territory_id"], incident["severity"], incident["status"]) == (
                "saint-malo",
                "critical",
                "open",
            )
            assert incident["receivers"] == [
                {"receiver": "a", "state": "waiting", "escalated": False, "last_sent_at": None, "pending": True}
            ]
    finally:
        await server.stop()
    assert changes == [1]
