"""Webhook ingest: integrators push mentions as JSON over authenticated HTTP.

``POST /v1/mentions`` with one mention object, an array, or ``{"mentions": [...]}`` (format:
:mod:`vigie.collector.record_format`). Authentication, either:

* ``Authorization: Bearer <token>``, or
* ``X-Vigie-Signature: sha256=<hex HMAC-SHA256 of the raw body with the shared secret>``.

Both are compared in constant time. Answers:

* **202** once the broker acknowledged every record: ``{"accepted", "emitted", "duplicates", "unmatched"}``;
* **400** with ``{"error": reason}`` when the body is not JSON or a mention is invalid. A request is accepted
  or rejected as a whole (the integrator fixes and resends it); the rejected body is also dead-lettered;
* **401** without credentials, **403** with wrong ones, **413** above ``max_body_bytes``;
* **503** with ``Retry-After`` when the broker did not acknowledge (nothing was saved; resend).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from aiohttp import web

from vigie.collector.errors import SinkError
from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.record_format import InvalidRecordError, item_from_record

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Vigie-Signature"
PATH = "/v1/mentions"


def sign(body: bytes, secret: bytes) -> str:
    """The signature header value for ``body`` (what integrators compute)."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookIngest:
    """The ingest endpoint; at least one credential must be configured (the endpoint is never open)."""

    def __init__(
        self,
        pipeline: MentionPipeline,
        metrics: CollectorMetrics,
        *,
        token: str | None = None,
        hmac_secret: bytes | None = None,
        max_body_bytes: int = 1024 * 1024,
        max_mentions: int = 5000,
        instance: str = "webhook",
    ) -> None:
        if not token and not hmac_secret:
            raise ValueError("the webhook needs a bearer token or an HMAC secret")
        self.pipeline = pipeline
        self.metrics = metrics
        self._token = token.encode("utf-8") if token else None
        self._secret = hmac_secret
        self.max_body_bytes = max_body_bytes
        self.max_mentions = max_mentions
        self.instance = instance

    def __repr__(self) -> str:
        return f"WebhookIngest(instance={self.instance!r}, credentials=***)"

    def routes(self) -> web.RouteTableDef:
        routes = web.RouteTableDef()
        routes.post(PATH)(self.handle)
        return routes

    def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
        self.metrics.webhook_requests.labels(str(status)).inc()
        return web.json_response(body, status=status, headers=headers)

    def _authenticate(self, request: web.Request, body: bytes) -> web.Response | None:
        authorization = request.headers.get("Authorization")
        signature = request.headers.get(SIGNATURE_HEADER)
        if authorization is None and signature is None:
            return self._answer(401, {"error": "credentials required"}, {"WWW-Authenticate": "Bearer"})
        if authorization is not None and self._token is not None:
            scheme, _, presented = authorization.partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode("utf-8"), self._token):
                return None
        expected = sign(body, self._secret).encode("utf-8") if self._secret is not None else None
        if (
            signature is not None
            and expected is not None
            and hmac.compare_digest(signature.strip().encode("utf-8"), expected)
        ):
            return None
        log.warning("webhook request with invalid credentials", extra={"remote": request.remote})
        return self._answer(403, {"error": "invalid credentials"})

    async def _read(self, request: web.Request) -> bytes | None:
        if request.content_length is not None and request.content_length > self.max_body_bytes:
            return None
        body = await request.content.read(self.max_body_bytes + 1)
        while len(body) <= self.max_body_bytes:
            chunk = await request.content.read(self.max_body_bytes + 1 - len(body))
            if not chunk:
                break
            body += chunk
        return body if len(body) <= self.max_body_bytes else None

    def _reject(self, body: bytes, reason: str) -> RejectedInput:
        return RejectedInput("webhook", self.instance, "validation", reason, body)

    async def handle(self, request: web.Request) -> web.Response:
        body = await self._read(request)
        if body is None:
            log.warning("webhook body too large: refused", extra={"limit": self.max_body_bytes})
            return self._answer(413, {"error": f"body larger than {self.max_body_bytes} bytes"})
        refused = self._authenticate(request, body)
        if refused is not None:
            return refused
        try:
            items = self.parse(body)
        except InvalidRecordError as exc:
            try:
                await self.pipeline.process(Batch(rejected=[self._reject(body, exc.reason)]))
            except SinkError:
                log.error("dead letter for an invalid webhook body was not acknowledged")
            return self._answer(400, {"error": exc.reason})
        try:
            report = await self.pipeline.process(Batch(items=items))
        except SinkError as exc:
            log.error("webhook batch not acknowledged by the broker", extra={"error": str(exc)})
            return self._answer(503, {"error": "broker unavailable, resend later"}, {"Retry-After": "5"})
        self.metrics.last_success.labels("webhook").set(self.pipeline.clock.time())
        return self._answer(
            202,
            {
                "accepted": len(items),
                "emitted": report.emitted,
                "duplicates": report.duplicates,
                "unmatched": report.unmatched,
            },
        )

    def parse(self, body: bytes) -> list[CollectedItem]:
        """Items of a request body; :class:`InvalidRecordError` says what is wrong (with the mention's index)."""
        try:
            data = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InvalidRecordError(f"body is not UTF-8: {exc}") from None
        except json.JSONDecodeError as exc:
            raise InvalidRecordError(f"body is not JSON: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("mentions"), list):
            data = data["mentions"]
        records = data if isinstance(data, list) else [data]
        if not records:
            raise InvalidRecordError("no mention in the body")
        if len(records) > self.max_mentions:
            raise InvalidRecordError(f"{len(records)} mentions in one request; at most {self.max_mentions}")
        items = []
        for index, record in enumerate(records):
            try:
                items.append(item_from_record(record, kind="webhook", instance=self.instance))
            except InvalidRecordError as exc:
                where = f"mentions[{index}]: " if isinstance(data, list) else ""
                raise InvalidRecordError(f"{where}{exc.reason}") from None
        return items
