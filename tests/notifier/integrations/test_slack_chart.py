"""Slack bot mode: the chart is uploaded into the new thread (files.getUploadURLExternal, the upload,
files.completeUploadExternal); a failed upload never fails (nor resends) the notification. Through an incoming
webhook the chart is an image block of the page's signed URL, only when Slack can fetch it."""

from __future__ import annotations

from typing import Any

import httpx
from aiohttp import web
from pydantic import SecretStr

from tests.support.notifier import make_alert, routes
from vigie.notifier.integrations.slack import SlackDelivery
from vigie.notifier.links import IncidentLinks
from vigie.notifier.notification import Notification
from vigie.notifier.rendering.chart import ChartRenderer
from vigie.runtime.clock import FakeClock


async def _notify(upload_ok: bool, mode: str = "bot", links: IncidentLinks | None = None) -> list[tuple[str, Any]]:
    calls: list[tuple[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        if request.path.startswith("/upload/"):
            calls.append((request.path, await request.read()))
            return web.Response(text="OK")
        if request.content_type == "application/json":
            body: Any = await request.json()
        else:
            body = dict(await request.post())
        calls.append((request.path, body))
        if request.path in ("/api/chat.postMessage", "/hook"):
            return web.json_response({"ok": True, "channel": "C1", "ts": "1.000001"})
        if request.path == "/api/files.getUploadURLExternal":
            if not upload_ok:
                return web.json_response({"ok": False, "error": "missing_scope"})
            return web.json_response({"ok": True, "upload_url": f"{base}/upload/F1", "file_id": "F1"})
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    integration = (
        f"{{mode: bot, channel: '#crise', api_url: '{base}/api'}}"
        if mode == "bot"
        else f"{{mode: webhook, webhook_url: '{base}/hook'}}"
    )
    config = routes(
        f"route: {{receiver: slack}}\nreceivers:\n  - name: slack\n    locale: fr\n    slack: {integration}\n"
    )
    alert = make_alert(0)
    try:
        async with httpx.AsyncClient() as client:
            delivery = SlackDelivery(client, FakeClock(), SecretStr("xoxb-test"), links, ChartRenderer())
            ref = await delivery.notify(Notification("n1", config.receiver("slack"), alert, "open", None))
        assert ref == ("C1/1.000001" if mode == "bot" else None)
    finally:
        await runner.cleanup()
    return calls


async def test_the_chart_is_uploaded_into_the_thread() -> None:
    calls = await _notify(upload_ok=True)
    assert [path for path, _ in calls] == [
        "/api/chat.postMessage",
        "/api/files.getUploadURLExternal",
        "/upload/F1",
        "/api/files.completeUploadExternal",
    ]
    assert calls[2][1].startswith(b"\x89PNG")
    assert calls[3][1]["channel_id"] == "C1" and calls[3][1]["thread_ts"] == "1.000001"


async def test_a_failed_upload_does_not_fail_the_notification() -> None:
    calls = await _notify(upload_ok=False)
    assert [path for path, _ in calls] == ["/api/chat.postMessage", "/api/files.getUploadURLExternal"]


def _images(body: Any) -> list[str]:
    return [b["image_url"] for b in body["blocks"] if b["type"] == "image"]


async def test_the_chart_is_an_image_block_only_where_slack_can_fetch_it() -> None:
    public = IncidentLinks(b"0123456789abcdef", "https://vigie.example.org")
    [(_, hooked)] = await _notify(True, "webhook", public)
    [image] = _images(hooked)
    assert image.startswith("https://vigie.example.org/incidents/") and "/chart.png?exp=" in image
    assert any(b["type"] == "actions" for b in hooked["blocks"])
    for private in ("http://127.0.0.1:9095", "http://10.1.2.3", "http://localhost:8080", "http://[::1]:80"):
        [(_, hooked)] = await _notify(True, "webhook", IncidentLinks(b"0123456789abcdef", private))
        assert _images(hooked) == [], private  # Slack would refuse the whole message (invalid_blocks)
    # A bot uploads the chart into the thread: no image block besides it.
    calls = await _notify(True, "bot", public)
    assert _images(calls[0][1]) == [] and calls[2][0] == "/upload/F1"
