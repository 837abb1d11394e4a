"""Slack: an incoming webhook (one message per notification, no threads) or a bot token on the Web API
(``chat.postMessage`` opens the thread; updates and the resolution are replies with ``thread_ts``, the
escalations and the resolution broadcast to the channel too; the first message is never rewritten, so its
evidence stays). 429 ``Retry-After`` is honoured. With incident links, messages carry the buttons and the
chart: in bot mode the chart is uploaded into the new thread; through an incoming webhook it is an image block
of the page's signed chart URL, only when that URL is public (Slack fetches the image and rejects the whole
message with ``invalid_blocks`` when it cannot, e.g. for a notifier on a loopback or private address)."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from pydantic import SecretStr

from vigie.notifier.errors import PermanentDeliveryError, RetryableDeliveryError
from vigie.notifier.integrations.base import post_json
from vigie.notifier.links import IncidentLinks
from vigie.notifier.notification import Notification
from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.chart import ChartRenderer, chart_request_for
from vigie.notifier.rendering.slack import slack_blocks, slack_text
from vigie.notifier.rendering.view import build_view
from vigie.runtime.clock import Clock
from vigie.schemas import Integration as IntegrationName

log = logging.getLogger(__name__)

#: Web API errors worth retrying; every other ``ok: false`` error is permanent.
RETRYABLE_API_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackDelivery:
    name: IntegrationName = "slack"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        token: SecretStr | None = None,
        links: IncidentLinks | None = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self._client = client
        self._links = links
        self._charts = charts
        self._clock = clock
        self._token = token

    async def notify(self, notification: Notification) -> str | None:
        config = notification.receiver.slack
        assert config is not None
        view = build_view(notification, self._clock.now(), self._links)
        chart_image = config.mode == "webhook" and self._links is not None and self._links.public()
        payload: dict[str, Any] = {
            "text": slack_text(view),
            "blocks": slack_blocks(view, notification.alert.incident_id, chart_image),
        }
        if config.mode == "webhook":
            assert config.webhook_url is not None
            await self.post(config.webhook_url, "slack webhook", payload, None)
            return None
        assert config.channel is not None
        ref = notification.thread_ref
        if notification.kind == "open" or ref is None or "/" not in ref:
            answer = await self.call_api(config.api_url, "chat.postMessage", {"channel": config.channel, **payload})
            channel = str(answer.get("channel", config.channel))
            await self._upload_chart(config.api_url, channel, str(answer["ts"]), notification)
            return f"{channel}/{answer['ts']}"
        channel, ts = ref.rsplit("/", 1)
        reply = {"channel": channel, "thread_ts": ts, **payload}
        if (
            notification.alert.transition in ("escalated", "resolved")
            or notification.kind == "resolve"
            or notification.worsened
        ):
            reply["reply_broadcast"] = True
        await self.call_api(config.api_url, "chat.postMessage", reply)
        return ref

    async def _upload_chart(self, api_url: str, channel: str, thread_ts: str, notification: Notification) -> None:
        """Best effort: the chart as a file in the new thread (files.getUploadURLExternal, the upload,
        files.completeUploadExternal). The message is already posted, so no failure here may fail (and
        resend) the notification: errors are logged and dropped."""
        if self._charts is None or self._token is None:
            return
        try:
            request = chart_request_for(
                notification.alert.evidence.series, notification.receiver.timezone, notification.receiver.locale
            )
            png = await self._charts.render(request)
            if png is None:
                return
            base = api_url.rstrip("/")
            auth = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
            answer = (
                await self._client.post(
                    f"{base}/files.getUploadURLExternal",
                    data={"filename": "chart.png", "length": str(len(png))},
                    headers=auth,
                )
            ).json()
            if not answer.get("ok"):
                raise RuntimeError(str(answer.get("error", "unknown_error"))[:200])
            uploaded = await self._client.post(str(answer["upload_url"]), content=png)
            uploaded.raise_for_status()
            title = CATALOG[notification.receiver.locale]["chart_title"]
            files = json.dumps([{"id": str(answer["file_id"]), "title": title}])
            done = await self._client.post(
                f"{base}/files.completeUploadExternal",
                data={"files": files, "channel_id": channel, "thread_ts": thread_ts},
                headers=auth,
            )
            if not done.json().get("ok"):
                raise RuntimeError(str(done.json().get("error", "unknown_error"))[:200])
        except Exception as exc:  # the chart is a bonus: the message with its evidence is already there
            log.warning("slack chart upload failed", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})

    async def call_api(self, api_url: str, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """Call a Web API method with the bot token; ``ok: false`` errors are classified (retryable or not)."""
        if self._token is None:
            raise PermanentDeliveryError("slack: bot mode needs VIGIE_NOTIFIER_SLACK_TOKEN")
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        answer = await self.post(f"{api_url.rstrip('/')}/{method}", f"slack {method}", body, headers)
        if not answer.get("ok"):
            error = str(answer.get("error", "unknown_error"))[:200]
            if error in RETRYABLE_API_ERRORS:
                raise RetryableDeliveryError(f"slack {method}: {error}")
            raise PermanentDeliveryError(f"slack {method}: {error}")
        return answer

    async def post(self, url: str, what: str, body: dict[str, Any], headers: dict[str, str] | None) -> dict[str, Any]:
        """POST JSON (a webhook or an API method) and return the answer as a dict (``{"ok": True}`` for text)."""
        response = await post_json(self._client, url, what, clock=self._clock, json_body=body, headers=headers)
        try:
            data = response.json()
        except ValueError:
            return {"ok": True}  # incoming webhooks answer the text "ok"
        return data if isinstance(data, dict) else {"ok": True}
