"""The HTTP API next to /healthz, /readyz and /metrics: incidents and silences.

``GET /api/v1/incidents``, ``GET /api/v1/silences``, ``POST /api/v1/silences`` with
``{"matchers": ["territory_id=saint-malo"], "duration": "2h" | "ends_at": "...", "starts_at"?: "...",
"created_by": "...", "comment": "..."}``, ``DELETE /api/v1/silences/{id}`` (expire now).
When an API token is configured, every ``/api`` call needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from vigie.notifier.clock import Clock
from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.matchers import Matcher
from vigie.notifier.routes_config import parse_duration
from vigie.notifier.silences import SilenceError, Silences

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bad(reason: str, status: int = 400) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def api_routes(
    dispatcher: Dispatcher,
    silences: Silences,
    clock: Clock,
    on_silences_changed: Callable[[], None],
    token: SecretStr | None = None,
) -> web.RouteTableDef:
    routes = web.RouteTableDef()

    def guarded(handler: Handler) -> Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            if token is not None:
                given = request.headers.get("Authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {token.get_secret_value()}".encode()):
                    return _bad("unauthorized", 401)
            return await handler(request)

        return wrapper

    @routes.get("/api/v1/incidents")
    @guarded
    async def incidents(_: web.Request) -> web.StreamResponse:
        return web.json_response({"incidents": dispatcher.incidents()})

    @routes.get("/api/v1/silences")
    @guarded
    async def list_silences(_: web.Request) -> web.StreamResponse:
        now = clock.now()
        return web.json_response({"silences": [s.to_json(now) for s in silences.all()]})

    @routes.post("/api/v1/silences")
    @guarded
    async def add_silence(request: web.Request) -> web.StreamResponse:
        try:
            body: Any = await request.json()
        except ValueError:
            return _bad("body is not JSON")
        if not isinstance(body, dict):
            return _bad("body must be a JSON object")
        now = clock.now()
        try:
            matchers = tuple(Matcher.parse(str(m)) for m in body.get("matchers") or ())
            starts_at = datetime.fromisoformat(body["starts_at"]) if body.get("starts_at") else now
            if body.get("ends_at"):
                ends_at = datetime.fromisoformat(body["ends_at"])
            elif body.get("duration"):
                ends_at = starts_at + parse_duration(body["duration"])
            else:
                return _bad("give ends_at or duration")
            if starts_at.tzinfo is None or ends_at.tzinfo is None:
                return _bad("times need a time zone offset")
            silence = silences.add(
                matchers, starts_at, ends_at, str(body.get("created_by", "")), str(body.get("comment", ""))
            )
        except (ValueError, TypeError, SilenceError) as exc:
            return _bad(str(exc))
        on_silences_changed()
        return web.json_response(silence.to_json(now), status=201)

    @routes.delete("/api/v1/silences/{silence_id}")
    @guarded
    async def expire_silence(request: web.Request) -> web.StreamResponse:
        try:
            silence = silences.expire(request.match_info["silence_id"], clock.now())
        except SilenceError as exc:
            return _bad(str(exc), 404)
        on_silences_changed()
        return web.json_response(silence.to_json(clock.now()))

    return routes
