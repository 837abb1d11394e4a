"""Local stand-ins for what the demo's receivers would be in production: an SMTP server and Slack.

Both keep what they receive in ``demo-output/``: each email as ``.eml``, its HTML part as ``.html`` (inline
images rewritten to files beside it) and its charts as ``.png``; each Slack request as ``.json``.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from vigie.runtime.embedded_broker import free_port


@dataclass
class ReceivedEmail:
    path: Path
    subject: str
    recipients: list[str]
    message_id: str
    in_reply_to: str | None
    incident_id: str | None = None


def _safe_name(text: str, limit: int = 60) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:limit] or "message"


class _MailHandler:
    def __init__(self, outdir: Path, on_mail: Callable[[ReceivedEmail], None]) -> None:
        self.outdir = outdir
        self.on_mail = on_mail
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            number = next(self.counter)
        stem = f"email-{number:03d}-{_safe_name(str(message.get('Subject', '')))}"
        path = self.outdir / f"{stem}.eml"
        path.write_bytes(raw)
        self._write_parts(message, stem)
        self.on_mail(
            ReceivedEmail(
                path=path,
                subject=str(message.get("Subject", "")),
                recipients=list(envelope.rcpt_tos),
                message_id=str(message.get("Message-ID", "")),
                in_reply_to=message.get("In-Reply-To"),
                incident_id=message.get("X-Vigie-Incident"),
            )
        )
        return "250 Message accepted for delivery"

    def _write_parts(self, message: EmailMessage, stem: str) -> None:
        images: dict[str, str] = {}
        for index, part in enumerate(message.walk()):
            if part.get_content_maintype() == "image":
                name = f"{stem}-chart-{index}.png"
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    (self.outdir / name).write_bytes(payload)
                content_id = str(part.get("Content-ID", "")).strip("<>")
                if content_id:
                    images[content_id] = name
        body = message.get_body(preferencelist=("html",))
        if body is not None:
            html = str(body.get_content())
            for content_id, name in images.items():
                html = html.replace(f"cid:{content_id}", name)
            (self.outdir / f"{stem}.html").write_text(html, encoding="utf-8")


class SmtpStandIn:
    """An aiosmtpd server on 127.0.0.1 that writes every message it accepts to ``outdir``."""

    def __init__(self, outdir: Path, on_mail: Callable[[ReceivedEmail], None] = lambda _: None) -> None:
        self.port = free_port()
        self.outdir = outdir
        self.received: list[ReceivedEmail] = []

        def record(mail: ReceivedEmail) -> None:
            self.received.append(mail)
            on_mail(mail)

        self._controller = Controller(_MailHandler(outdir, record), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@dataclass
class SlackRequest:
    path: Path
    endpoint: str
    body: dict[str, Any]


@dataclass
class SlackStandIn:
    """Answers like Slack's incoming webhooks (``/services/…``) and Web API (``/api/chat.*``)."""

    outdir: Path
    on_request: Callable[[SlackRequest], None] = lambda _: None
    received: list[SlackRequest] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self._counter = itertools.count(1)
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        endpoint = request.path
        if endpoint.startswith("/upload/"):  # a file upload (files.getUploadURLExternal's URL): kept as is
            number = next(self._counter)
            (self.outdir / f"slack-{number:03d}-upload-{_safe_name(endpoint.rsplit('/', 1)[-1])}.png").write_bytes(
                await request.read()
            )
            return web.Response(text="OK")
        if request.content_type == "application/x-www-form-urlencoded":
            body: dict[str, Any] = {k: str(v) for k, v in (await request.post()).items()}
        else:
            try:
                body = await request.json()
            except json.JSONDecodeError:
                body = {"_raw": (await request.text())[:10_000]}
        if endpoint == "/api/files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            self._record(endpoint, body)
            return web.json_response({"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id})
        number = next(self._counter)
        path = self.outdir / f"slack-{number:03d}-{_safe_name(endpoint.rsplit('/', 1)[-1])}.json"
        path.write_text(json.dumps({"endpoint": endpoint, "body": body}, indent=2, ensure_ascii=False), "utf-8")
        received = SlackRequest(path=path, endpoint=endpoint, body=body)
        self.received.append(received)
        self.on_request(received)
        if endpoint.startswith("/api/"):
            ts = body.get("ts") or f"1765000000.{next(self._ts):06d}"
            return web.json_response({"ok": True, "channel": body.get("channel", "C0DEMO"), "ts": ts})
        return web.Response(text="ok")

    def _record(self, endpoint: str, body: dict[str, Any]) -> None:
        number = next(self._counter)
        path = self.outdir / f"slack-{number:03d}-{_safe_name(endpoint.rsplit('/', 1)[-1])}.json"
        path.write_text(json.dumps({"endpoint": endpoint, "body": body}, indent=2, ensure_ascii=False), "utf-8")
        received = SlackRequest(path=path, endpoint=endpoint, body=body)
        self.received.append(received)
        self.on_request(received)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
