"""Webhook ingest: integrators push mentions as JSON over authenticated HTTP.

``POST /v1/mentions`` with one mention object, an array, or ``{"mentions": [...]}`` (format:
:mod:`vigie.collector.record_format`). Authentication, either:

* ``Authorization: Bearer <token>``, or
* a signed request, as Slack and Stripe sign theirs: ``X-Vigie-Timestamp: <unix seconds>`` and
  ``X-Vigie-Signature: v1=<hex HMAC-SHA256 of "v1:<timestamp>:" + the raw body, with the shared secret>``.
  The timestamp is inside the signature, and a request is refused unless it lies within
  ``signature_tolerance_s`` (300 s) of the collector's clock, so a captured request cannot be replayed
  later. Within the window a resent request (a retry after a 503) is accepted, and its mentions are
  dropped as duplicates if the first attempt went through.

Credentials are compared in constant time. Answers:

* **202** once the broker acknowledged every record: ``{"accepted", "emitted", "duplicates", "unmatched"}``;
* **400** with ``{"error": reason}`` when the body is not JSON (nesting deeper than 200 levels, a number of
  more than 4,300 digits and a lone surrogate escape included) or any mention is invalid, including what
  would only fail when building the record (an ``extra`` key of 65 characters). A request is accepted or
  rejected as a whole: every mention is checked in one pass of the pipeline before anything is produced
  (``all_or_nothing``), so nothing of a rejected request is emitted or remembered — no mention id stays
  claimed — and the integrator fixes and resends it. The rejected body is also dead-lettered;
* **401** without credentials (or with a signature but no timestamp), **403** with wrong ones (a stale
  timestamp included), **413** above ``max_body_bytes``;
* **503** with ``Retry-After`` when the broker did not acknowledge (nothing was saved; resend).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from typing import Any

from aiohttp import web

from vigie.collector.errors import RejectedBatchError, SinkError
from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import BatchReport, MentionPipeline
from vigie.collector.record_format import InvalidRecordError, item_from_record
from vigie.schemas import DecodeError, load_json

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Vigie-Signature"
TIMESTAMP_HEADER = "X-Vigie-Timestamp"
SIGNATURE_VERSION = "v1"
#: How far a signed request's timestamp may lie from the collector's clock, either way.
DEFAULT_SIGNATURE_TOLERANCE_S = 300.0
PATH = "/v1/mentions"
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


def sign(body: bytes, secret: bytes, timestamp: int) -> str:
    """The ``X-Vigie-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds; what integrators
    compute): ``v1=`` and the hex HMAC-SHA256 of ``v1:<timestamp>:<body>``."""
    message = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    return f"{SIGNATURE_VERSION}=" + hmac.new(secret, message, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secret: bytes, timestamp: int) -> dict[str, str]:
    """Both headers of a signed request."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(body, secret, timestamp)}


async def read_bounded_body(request: web.Request, max_bytes: int) -> bytes | None:
    """The request body, or None when it is longer than ``max_bytes`` (read no further than one byte past
    the limit, whatever Content-Length claims)."""
    if request.content_length is not None and request.content_length > max_bytes:
        return None
    body = await request.content.read(max_bytes + 1)
    while len(body) <= max_bytes:
        chunk = await request.content.read(max_bytes + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return body if len(body) <= max_bytes else None


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
        signature_tolerance_s: float = DEFAULT_SIGNATURE_TOLERANCE_S,
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
        self.signature_tolerance_s = signature_tolerance_s

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
        if signature is not None and self._secret is not None:
            refused = self._check_signature(request, body, signature, self._secret)
            if refused is None:
                return None
            log.warning("webhook request with an invalid signature", extra={"remote": request.remote})
            return refused
        log.warning("webhook request with invalid credentials", extra={"remote": request.remote})
        return self._answer(403, {"error": "invalid credentials"})

    def _check_signature(self, request: web.Request, body: bytes, signature: str, secret: bytes) -> web.Response | None:
        stamp = request.headers.get(TIMESTAMP_HEADER)
        if stamp is None:
            return self._answer(401, {"error": f"a signed request needs {TIMESTAMP_HEADER} (unix seconds)"})
        if not _TIMESTAMP.match(stamp.strip()):
            return self._answer(403, {"error": f"{TIMESTAMP_HEADER} is not unix seconds"})
        timestamp = int(stamp.strip())
        if abs(self.pipeline.clock.time() - timestamp) > self.signature_tolerance_s:
            return self._answer(
                403,
                {
                    "error": f"{TIMESTAMP_HEADER} is more than {self.signature_tolerance_s:.0f} s away from the "
                    "collector's clock: sign again with the current time (and check the sender's clock)"
                },
            )
        expected = sign(body, secret, timestamp).encode("ascii")
        if not hmac.compare_digest(signature.strip().encode("utf-8", errors="replace"), expected):
            return self._answer(403, {"error": "invalid credentials"})
        return None

    async def _read(self, request: web.Request) -> bytes | None:
        return await read_bounded_body(request, self.max_body_bytes)

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
            items, report = await self.accept(body)
        except InvalidRecordError as exc:
            try:
                await self.pipeline.process(Batch(rejected=[self._reject(body, exc.reason)]))
            except SinkError:
                log.error("dead letter for an invalid webhook body was not acknowledged")
            return self._answer(400, {"error": exc.reason})
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

    async def accept(self, body: bytes) -> tuple[list[CollectedItem], BatchReport]:
        """Parse a request body and emit its mentions, all or nothing: :class:`InvalidRecordError` (with the
        mention's index) when anything in it is wrong, up to what the records it becomes must satisfy — then
        nothing was emitted and no mention id was claimed. :class:`SinkError`: the broker did not acknowledge.
        """
        items, listed = self._parse(body)
        try:
            report = await self.pipeline.process(Batch(items=items), all_or_nothing=True)
        except RejectedBatchError as exc:
            where = f"mentions[{exc.index}]: " if listed else ""
            raise InvalidRecordError(f"{where}{exc.reason}") from None
        return items, report

    def parse(self, body: bytes) -> list[CollectedItem]:
        """Items of a request body (JSON and the input format); :class:`InvalidRecordError` says what is wrong
        (with the mention's index). Claims and emits nothing."""
        return self._parse(body)[0]

    def _parse(self, body: bytes) -> tuple[list[CollectedItem], bool]:
        try:
            data = load_json(body)
        except DecodeError as exc:
            raise InvalidRecordError(f"body is {exc.reason}") from None
        if isinstance(data, dict) and isinstance(data.get("mentions"), list):
            data = data["mentions"]
        records = data if isinstance(data, list) else [data]
        if not records:
            raise InvalidRecordError("no mention in the body")
        if len(records) > self.max_mentions:
            raise InvalidRecordError(f"{len(records)} mentions in one request; at most {self.max_mentions}")
        items = []
        for index, record in enumerate(records):
            where = f"mentions[{index}]: " if isinstance(data, list) else ""
            try:
                item = item_from_record(record, kind="webhook", instance=self.instance)
            except InvalidRecordError as exc:
                raise InvalidRecordError(f"{where}{exc.reason}") from None
            items.append(item)
        return items, isinstance(data, list)
