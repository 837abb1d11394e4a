"""Slack interactivity: the Acknowledge and Silence buttons of an alert, verified and applied.

``POST /slack/interactions`` is the app's Interactivity Request URL. A request is accepted only when its
``X-Slack-Signature`` is ``v0=`` HMAC-SHA256(signing secret, ``v0:{timestamp}:{body}``) and its
``X-Slack-Request-Timestamp`` is within :data:`TOLERANCE_S` of now (no replay of an old request);
anything else is a 401. The button's ``value`` is the incident id; the action id is
``slack:{incident}:{action_ts}:{action}``, so Slack's retries of one click change nothing. The
acknowledgement is answered in the thread through the request's ``response_url``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
from aiohttp import web
from pydantic import SecretStr

from vigie.notifier.incident_history import ActionError
from vigie.notifier.incident_page import IncidentPages
from vigie.notifier.rendering.slack import ACKNOWLEDGE_ACTION, SILENCE_ACTION
from vigie.schemas import FeedbackAction
from vigie.text.catalogue import Catalogue
from vigie.text.slack import slack_plain

log = logging.getLogger(__name__)

TOLERANCE_S = 300
MAX_BODY_BYTES = 64 * 1024
_USER_ID = re.compile(r"^[A-Z0-9]{2,32}$")
_ACTIONS: dict[str, FeedbackAction] = {ACKNOWLEDGE_ACTION: "acknowledged", SILENCE_ACTION: "silenced"}
_REPLIES = Catalogue(
    {
        "fr": {
            "acknowledged": "Pris en charge par {who}.",
            "silenced": "{who} a mis {territory} en sourdine pour 4 h.",
        },
        "en": {"acknowledged": "Acknowledged by {who}.", "silenced": "{who} silenced {territory} for 4 h."},
    }
)


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verified(secret: SecretStr, timestamp: str, signature: str, body: bytes, now: datetime) -> bool:
    """Whether a request carries Slack's signature for ``body`` and a fresh timestamp."""
    if not timestamp.isdigit() or len(timestamp) > 12 or abs(now.timestamp() - int(timestamp)) > TOLERANCE_S:
        return False
    expected = slack_signature(secret.get_secret_value(), timestamp, body)
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def add_slack_routes(routes: web.RouteTableDef, pages: IncidentPages, secret: SecretStr) -> None:
    @routes.post("/slack/interactions")
    async def interactions(request: web.Request) -> web.StreamResponse:
        body = await request.content.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            return web.Response(status=413)
        headers = request.headers
        if not verified(
            secret, headers.get("X-Slack-Request-Timestamp", ""), headers.get("X-Slack-Signature", ""), body,
            pages.clock.now(),
        ):  # fmt: skip
            return web.Response(status=401, text="bad signature")
        try:
            payload: Any = json.loads(parse_qs(body.decode("utf-8"))["payload"][0])
        except (KeyError, IndexError, ValueError, RecursionError, UnicodeDecodeError):
            return web.Response(status=400, text="no payload")
        if not isinstance(payload, dict) or payload.get("type") != "block_actions":
            return web.Response(status=200)
        user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
        user_id = str(user.get("id", "")) if isinstance(user, dict) else ""
        actor = user_id if _USER_ID.match(user_id) else "slack user"
        replies: list[str] = []
        for action in payload.get("actions") or []:
            if not isinstance(action, dict) or action.get("action_id") not in _ACTIONS:
                continue
            kind = _ACTIONS[str(action["action_id"])]
            incident_id = str(action.get("value", ""))[:512]
            action_ts = str(action.get("action_ts", ""))[:64]
            try:
                event = await pages.act(incident_id, kind, actor, "slack", f"slack:{incident_id}:{action_ts}:{kind}")
            except ActionError as exc:
                replies.append(slack_plain(str(exc)))
                continue
            if event is not None:
                record = pages.history.get(incident_id)
                territory = record.latest.territory_name if record is not None else incident_id
                who = f"<@{user_id}>" if _USER_ID.match(user_id) else "?"
                words = _REPLIES[pages.locale]
                replies.append(words[kind].format(who=who, territory=slack_plain(territory)))
        response_url = payload.get("response_url")
        if replies and isinstance(response_url, str) and response_url.startswith(("https://", "http://")):
            message = {"response_type": "in_channel", "replace_original": False, "text": "\n".join(replies)}
            try:
                async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client:
                    await client.post(response_url, json=message)
            except httpx.HTTPError as exc:
                log.warning("slack response_url failed", extra={"error": type(exc).__name__})
        return web.Response(status=200)
