"""Local stand-ins for what leaves the machine: an SMTP server and HTTP receivers (Slack, Teams, a webhook),
all on 127.0.0.1. The demo and the benchmarks use them as its receivers; the test suite uses the same classes.

- :class:`SmtpServer` (aiosmtpd) keeps every accepted message in its :class:`SmtpInbox`; the inbox can refuse
  recipients and call a function on each message.
- :class:`HttpStandIn` (aiohttp) records every POST and answers from a script, then from a default function;
  :func:`slack_answers` answers like Slack's incoming webhooks and Web API.
- :class:`SmtpStandIn` and :class:`SlackStandIn`, the demo's receivers, also keep what they receive in the
  output folder: each email as ``.eml``, its HTML part as ``.html`` (inline images rewritten to files beside
  it) and its charts as ``.png``; each Slack request as ``.json``.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiosmtpd.controller import Controller

from vigie.runtime.embedded_broker import free_port

# -- SMTP ------------------------------------------------------------------------------------------------


@dataclass
class SmtpInbox:
    """The aiosmtpd handler: messages accepted, with their envelopes. ``refuse`` makes RCPT fail with that
    reply; ``on_message(message, raw, recipients)`` runs for each accepted message."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: str | None = None
    on_message: Callable[[EmailMessage, bytes, list[str]], None] | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if self.refuse is not None:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or envelope.content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        recipients = list(envelope.rcpt_tos)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, recipients))
        if self.on_message is not None:
            self.on_message(message, raw, recipients)
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 (a free port unless given) delivering to an :class:`SmtpInbox`."""

    def __init__(self, port: int | None = None, inbox: SmtpInbox | None = None) -> None:
        self.inbox = inbox or SmtpInbox(port or free_port())
        self.controller: Controller | None = None

    @property
    def port(self) -> int:
        return self.inbox.port

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.inbox.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# -- HTTP ------------------------------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


#: (status, headers, body): a str body is sent as text, anything else as JSON.
Answer = tuple[int, dict[str, str], Any]


class HttpStandIn:
    """An aiohttp server on 127.0.0.1 recording every POST. ``script`` answers first (FIFO); then
    ``default(request)`` answers. ``down`` (a callable) answers 503 while it returns True. ``port`` 0 (the
    default) takes a free port when started."""

    def __init__(self, default: Callable[[Request], Answer], port: int = 0) -> None:
        self.default = default
        self.script: deque[Answer] = deque()
        self.requests: list[Request] = []
        self.down: Callable[[], bool] = lambda: False
        self._runner: web.AppRunner | None = None
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def posted(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        recorded = Request(request.path, dict(request.headers), await request.read())
        if self.down():
            return web.Response(status=503, text="down")
        self.requests.append(recorded)
        status, headers, body = self.script.popleft() if self.script else self.default(recorded)
        if isinstance(body, str):
            return web.Response(status=status, headers=headers, text=body)
        return web.json_response(body, status=status, headers=headers)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def form_or_json(request: Request) -> dict[str, Any]:
    """The body of a Slack Web API call: form-encoded or JSON (a body that is neither is kept as ``_raw``)."""
    if request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        body = json.loads(request.body)
    except ValueError:
        return {"_raw": request.body.decode("utf-8", "replace")[:10_000]}
    return body if isinstance(body, dict) else {"_raw": body}


def slack_answers(
    base_url: Callable[[], str], channel: str | None = None, ts_base: int = 1764230400
) -> Callable[[Request], Answer]:
    """Answers like Slack. A Web API call (``/api/...``) gets ``ok`` with the ``ts`` it names (``chat.update``)
    or a new one (``ts_base.000001``, ...) in ``channel`` (the one it names when None); a file upload
    (``files.getUploadURLExternal``) gets an upload URL on the same server; incoming webhooks
    (``/services/...``) and uploads answer ``ok``."""
    timestamps = itertools.count(1)
    files = itertools.count(1)

    def answer(request: Request) -> Answer:
        if request.path.endswith("/files.getUploadURLExternal"):
            file_id = f"F{next(files):08d}"
            return 200, {}, {"ok": True, "upload_url": f"{base_url()}/upload/{file_id}", "file_id": file_id}
        if request.path.startswith("/api/"):
            body = form_or_json(request)
            ts = body.get("ts") or f"{ts_base}.{next(timestamps):06d}"
            return 200, {}, {"ok": True, "channel": channel or body.get("channel", "C0DEMO"), "ts": ts}
        return 200, {}, "ok"

    return answer


# -- the demo's receivers ------------------------------------------------------------------------------


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


class SmtpStandIn(SmtpServer):
    """An :class:`SmtpServer` that writes every message it accepts to ``outdir`` (see the module docstring)."""

    def __init__(self, outdir: Path, on_mail: Callable[[ReceivedEmail], None] = lambda _: None) -> None:
        super().__init__(inbox=SmtpInbox(free_port(), on_message=self._write))
        self.outdir = outdir
        self.on_mail = on_mail
        self.received: list[ReceivedEmail] = []
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def _write(self, message: EmailMessage, raw: bytes, recipients: list[str]) -> None:
        with self._lock:
            number = next(self._counter)
        stem = f"email-{number:03d}-{_safe_name(str(message.get('Subject', '')))}"
        path = self.outdir / f"{stem}.eml"
        path.write_bytes(raw)
        self._write_parts(message, stem)
        mail = ReceivedEmail(
            path=path,
            subject=str(message.get("Subject", "")),
            recipients=recipients,
            message_id=str(message.get("Message-ID", "")),
            in_reply_to=message.get("In-Reply-To"),
            incident_id=message.get("X-Vigie-Incident"),
        )
        self.received.append(mail)
        self.on_mail(mail)

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


@dataclass
class SlackRequest:
    path: Path
    endpoint: str
    body: dict[str, Any]


class SlackStandIn(HttpStandIn):
    """Answers like Slack's incoming webhooks (``/services/…``) and Web API (``/api/chat.*``) and writes each
    request to ``outdir`` (see the module docstring); its port is chosen at once, so its URL can be written
    into a routes file before it starts."""

    def __init__(self, outdir: Path, on_request: Callable[[SlackRequest], None] = lambda _: None) -> None:
        super().__init__(self._answer, port=free_port())
        self.outdir = outdir
        self.on_request = on_request
        self.received: list[SlackRequest] = []
        self._slack = slack_answers(lambda: self.url, ts_base=1765000000)
        self._counter = itertools.count(1)

    def _answer(self, request: Request) -> Answer:
        answer = self._slack(request)
        number = next(self._counter)
        name = _safe_name(request.path.rsplit("/", 1)[-1])
        if request.path.startswith("/upload/"):  # a file upload: kept as is
            (self.outdir / f"slack-{number:03d}-upload-{name}.png").write_bytes(request.body)
            return 200, {}, "OK"
        body = form_or_json(request)
        path = self.outdir / f"slack-{number:03d}-{name}.json"
        path.write_text(json.dumps({"endpoint": request.path, "body": body}, indent=2, ensure_ascii=False), "utf-8")
        received = SlackRequest(path=path, endpoint=request.path, body=body)
        self.received.append(received)
        self.on_request(received)
        return answer
