"""Generic webhook: a CloudEvent (structured JSON mode) per notification, signed with HMAC-SHA256.

Headers: ``Content-Type: application/cloudevents+json``, ``Idempotency-Key: <notification id>`` (percent-
encoded where it holds anything but letters, digits and ``:@._~-+=/``: see
:func:`~vigie.text.headers.header_token`) and, when
a secret is configured, ``X-Vigie-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256(secret, ``"<t>." + body``). Receivers verify the signature and reject old timestamps.

``data`` holds the notification (``notification_id``, ``receiver``, ``kind``, ``escalated``, ``locale``), a
one-line ``summary`` (the email subject, the same for every message of an incident), the signed
``incident_url`` of the incident page and ``chart_url`` of its chart (both null when the notifier has no link
signer), and the whole ``alert`` event as published on ``vigie.alerts.v1``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from vigie.notifier.integrations.base import post_json
from vigie.notifier.links import IncidentLinks
from vigie.notifier.notification import Notification
from vigie.notifier.rendering.view import build_view
from vigie.runtime.clock import Clock
from vigie.schemas import Integration as IntegrationName
from vigie.text.headers import header_token

SIGNATURE_HEADER = "X-Vigie-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    signature = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """Check a ``X-Vigie-Signature`` header (for receivers and tests)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        return False
    return hmac.compare_digest(sign(secret, int(parts["t"]), body), f"t={parts['t']},v1={parts['v1']}")


def cloud_event(notification: Notification, now: datetime, links: IncidentLinks | None = None) -> dict[str, Any]:
    """The CloudEvent of one notification; with ``links``, it carries the signed link to the incident page."""
    alert = notification.alert
    view = build_view(notification, now, links)
    return {
        "specversion": "1.0",
        "id": notification.notification_id,
        "source": "/vigie/notifier",
        "type": f"org.vigie.notification.{alert.transition}.v1",
        "subject": alert.territory_id,
        "time": now.isoformat(),
        "datacontenttype": "application/json",
        "data": {
            "notification_id": notification.notification_id,
            "receiver": notification.receiver.name,
            "kind": notification.kind,
            "escalated": notification.escalated,
            "locale": view.locale,
            "summary": view.subject,
            "incident_url": view.incident_url,
            "chart_url": view.chart_url,
            "alert": alert.model_dump(mode="json"),
        },
    }


class WebhookDelivery:
    name: IntegrationName = "webhook"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        secret: SecretStr | None = None,
        links: IncidentLinks | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._secret = secret
        self._links = links

    async def notify(self, notification: Notification) -> str | None:
        config = notification.receiver.webhook
        assert config is not None
        now = self._clock.now()
        body = json.dumps(
            cloud_event(notification, now, self._links), ensure_ascii=False, separators=(",", ":")
        ).encode()
        headers = {
            "Content-Type": "application/cloudevents+json; charset=utf-8",
            "Idempotency-Key": header_token(notification.notification_id),
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret.get_secret_value(), int(now.timestamp()), body)
        await post_json(self._client, config.url, "webhook", clock=self._clock, content=body, headers=headers)
        return None
