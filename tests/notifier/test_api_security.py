"""The API is closed by default: a token is required to serve it, every call needs it, the Host and
Origin headers are checked, and every input is bounded (a real aiohttp server on loopback, no broker)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from tests.support.notifier import email_receiver, make_alert, routes
from vigie.notifier.api import api_routes
from vigie.notifier.commands import register
from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.errors import StartupError
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.offsets import OffsetTracker
from vigie.notifier.service import NotifierService
from vigie.notifier.settings import NotifierSettings, allowed_api_hosts
from vigie.notifier.silences import SilenceLimits, Silences
from vigie.runtime.clock import FakeClock
from vigie.runtime.health import OpsServer, build_app

TOKEN = "api-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONFIG = routes("route: {receiver: a}\nreceivers:\n" + email_receiver("a", 25))


@dataclass
class Api:
    client: httpx.AsyncClient
    silences: Silences
    clock: FakeClock


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    clock = FakeClock()
    silences = Silences(limits=SilenceLimits(max_unexpired=3))
    dispatcher = Dispatcher(CONFIG, silences, NotificationLog(), OffsetTracker(), clock)
    dispatcher.accept(make_alert(0))
    hosts = allowed_api_hosts(NotifierSettings(api_allowed_hosts="vigie-notifier, 127.0.0.1"))
    server = OpsServer(build_app(CollectorRegistry(), lambda: None, api_routes(
        dispatcher, silences, clock, lambda: None, SecretStr(TOKEN), hosts
    )))  # fmt: skip
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as client:
            yield Api(client, silences, clock)
    finally:
        await server.stop()


def silence(**extra: Any) -> dict[str, Any]:
    return {"matchers": ["territory_id=saint-malo"], "duration": "2h", **extra}


async def test_the_notifier_refuses_to_start_its_api_without_a_token() -> None:
    with pytest.raises(StartupError, match="VIGIE_NOTIFIER_API_TOKEN"):
        await NotifierService(NotifierSettings(), CONFIG).run(asyncio.Event())
    with pytest.raises(StartupError, match="too short"):
        await NotifierService(NotifierSettings(api_token=SecretStr("short")), CONFIG).run(asyncio.Event())


def test_the_command_names_the_missing_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("VIGIE_NOTIFIER_API_TOKEN", raising=False)
    good = Path(__file__).parents[2] / "config" / "notifier.example.yaml"
    root = argparse.ArgumentParser(prog="vigie")
    register(root.add_subparsers(dest="command"))
    args = root.parse_args(["notifier", "run", "--routes", str(good), "--secrets-dir", str(tmp_path)])
    monkeypatch.setenv("VIGIE_NOTIFIER_SLACK_TOKEN", "xoxb-x")
    monkeypatch.setenv("VIGIE_NOTIFIER_SMTP_PASSWORD", "x")
    assert args.func(args) == 1
    assert "set VIGIE_NOTIFIER_API_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/incidents"), ("GET", "/api/v1/silences"), ("POST", "/api/v1/silences"),
     ("DELETE", "/api/v1/silences/x")],
)  # fmt: skip
async def test_every_call_needs_the_token(api: Api, method: str, path: str) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {TOKEN}x"}):
        answer = await api.client.request(method, path, headers=headers, json=silence())
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    assert api.silences.all() == []


async def test_host_and_origin_are_checked_and_no_preflight_succeeds(api: Api) -> None:
    assert (await api.client.get("/api/v1/silences", headers={"Host": "evil.example"})).status_code == 421
    assert (await api.client.get("/api/v1/silences", headers={"Host": "vigie-notifier:9095"})).status_code == 200
    assert (await api.client.get("/api/v1/silences", headers={"Host": "localhost"})).status_code == 421  # not listed
    host = api.client.base_url.netloc.decode()
    for origin in ("https://evil.example", "null", f"http://{host}.evil.example", "http://[::1", ""):
        answer = await api.client.post("/api/v1/silences", json=silence(), headers={"Origin": origin})
        assert answer.status_code == 403, origin
    answer = await api.client.post("/api/v1/silences", json=silence(), headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 403
    assert api.silences.all() == []
    same_origin = await api.client.post("/api/v1/silences", json=silence(), headers={"Origin": f"http://{host}"})
    assert same_origin.status_code == 201
    preflight = await api.client.options(
        "/api/v1/silences",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code >= 400
    assert not any(h.lower().startswith("access-control-") for h in preflight.headers)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (silence(duration="99999999999d"), "too long"),
        (silence(duration=10**5000), "not JSON"),  # refused by the JSON parser already
        (silence(duration="91d"), "at most 90 days"),
        (silence(duration=["1h"]), "duration must be"),
        ({"matchers": ["territory_id=~.*"], "ends_at": "9999-12-31T23:59:59+00:00"}, "at most 90 days"),
        ({"matchers": ["a=b"], "starts_at": "9999-12-31T00:00:00+00:00", "duration": "1h"}, "starts within"),
        ({"matchers": ["a=b"], "ends_at": "2026-12-31T23:59:59"}, "time zone"),
        (silence(matchers=[f"l{i}=x" for i in range(17)]), "at most 16"),
        (silence(matchers="territory_id=nice"), "list of texts"),
        (silence(matchers=[{"a": "b"}]), "list of texts"),
        (silence(matchers=["territory_id=~" + "a" * 513]), "at most"),
        (silence(matchers=["kind=~(a)\\1"]), "RE2"),
        (silence(matchers=["kind=~(?=neg)"]), "lookaround"),
        (silence(comment="x" * 1001), "at most 1000"),
        (silence(created_by=["me"]), "created_by must be a text"),
        (silence(matchers=[]), "at least one matcher"),
    ],
)
async def test_inputs_are_bounded(api: Api, body: dict[str, Any], message: str) -> None:
    if body.get("duration") == 10**5000:
        answer = await api.client.post(
            "/api/v1/silences", content=b'{"matchers": ["a=b"], "duration": ' + b"9" * 5000 + b"}"
        )
    else:
        answer = await api.client.post("/api/v1/silences", json=body)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]
    assert api.silences.all() == []


async def test_body_size_and_number_of_silences_are_bounded(api: Api) -> None:
    big = await api.client.post("/api/v1/silences", json=silence(comment="x" * 70_000))
    assert big.status_code == 413
    for _ in range(3):
        assert (await api.client.post("/api/v1/silences", json=silence())).status_code == 201
    refused = await api.client.post("/api/v1/silences", json=silence())
    assert refused.status_code == 400 and "at most 3" in refused.json()["error"]
    [first, *_] = api.silences.all()
    assert (await api.client.delete(f"/api/v1/silences/{first.id}")).status_code == 200
    api.clock.advance(timedelta(seconds=1))
    assert (await api.client.post("/api/v1/silences", json=silence())).status_code == 201  # expired ones free a slot


async def test_the_pathological_pattern_is_accepted_and_harmless(api: Api) -> None:
    answer = await api.client.post("/api/v1/silences", json=silence(matchers=["territory=~(.?.?.?|.)+!"]))
    assert answer.status_code == 201
    alert = make_alert(0, territory_name="a" * 512)
    assert api.silences.silencing(alert, api.clock.now()) is None
    assert (await api.client.get("/api/v1/incidents")).status_code == 200


def test_the_cli_needs_the_token_to_call_the_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VIGIE_NOTIFIER_API_TOKEN", raising=False)
    root = argparse.ArgumentParser(prog="vigie")
    register(root.add_subparsers(dest="command"))
    args = root.parse_args(["notifier", "incidents", "--url", "http://127.0.0.1:9"])
    with pytest.raises(SystemExit, match="set VIGIE_NOTIFIER_API_TOKEN"):
        args.func(args)
