"""The HTTP API next to /healthz, /readyz and /metrics: incidents and silences.

``GET /api/v1/incidents``, ``GET /api/v1/silences``, ``POST /api/v1/silences`` with
``{"matchers": ["territory_id=saint-malo"], "duration": "2h" | "ends_at": "...", "starts_at"?: "...",
"created_by": "...", "comment": "..."}``, ``DELETE /api/v1/silences/{id}`` (expire now).

Every ``/api`` call, read or write, is checked in this order (the first failure answers):

1. ``Host`` must name an allowed host (port ignored): a page on another site cannot reach the API through
   DNS rebinding -> 421;
2. a browser's cross-site request is refused: an ``Origin`` header whose host and port are not the request's
   own ``Host``, or ``Sec-Fetch-Site: cross-site`` -> 403. No CORS header is ever sent, and ``OPTIONS`` is
   not a route (405), so no preflight succeeds;
3. ``Authorization: Bearer <token>``, compared in constant time -> 401.

Inputs are bounded: a body of at most :data:`MAX_BODY_BYTES`, matchers as in
:mod:`vigie.notifier.matchers` (RE2, bounded length), and the limits of
:class:`~vigie.notifier.silences.SilenceLimits`; whatever breaks them is a 400 that says which bound.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import SecretStr

from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.matchers import Matcher
from vigie.notifier.routes_config import parse_duration
from vigie.notifier.silences import SilenceError, Silences
from vigie.runtime.clock import Clock

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Largest request body accepted (a silence is a few hundred bytes).
MAX_BODY_BYTES = 64 * 1024
#: Longest ``duration``, ``starts_at`` or ``ends_at`` text.
MAX_TIME_TEXT_CHARS = 64


def _bad(reason: str, status: int = 400) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def host_name(host_header: str) -> str:
    """The host part of a ``Host`` header, lower-case, without port or IPv6 brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _origin_host(origin: str) -> str | None:
    """``host[:port]`` of an ``Origin`` header, lower-case; None for ``null`` or what does not parse."""
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    return netloc or None


def refusal(request: web.Request, token: SecretStr, allowed_hosts: Collection[str]) -> web.Response | None:
    """The answer to a request the API must not serve (see the module docstring), or None."""
    host = request.headers.get("Host", "")
    if host_name(host) not in allowed_hosts:
        return _bad("host not allowed", 421)
    origin = request.headers.get("Origin")
    if origin is not None and _origin_host(origin) != host.strip().lower():
        return _bad("cross-site requests are refused", 403)
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return _bad("cross-site requests are refused", 403)
    given = request.headers.get("Authorization", "").encode("utf-8", errors="replace")
    expected = f"Bearer {token.get_secret_value()}".encode()
    if not hmac.compare_digest(given, expected):
        response = _bad("unauthorized", 401)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return None


def _duration(value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("duration must be a text such as 90m, 2h or 3d")
    if isinstance(value, str) and len(value) > MAX_TIME_TEXT_CHARS:
        raise ValueError(f"duration longer than {MAX_TIME_TEXT_CHARS} characters")
    duration = parse_duration(value)
    if not isinstance(duration, timedelta):
        raise ValueError("duration must be a text such as 90m, 2h or 3d")
    return duration


def _time(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or len(value) > MAX_TIME_TEXT_CHARS:
        raise ValueError(f"{name} must be an ISO 8601 time with an offset, e.g. 2026-12-06T18:00:00+01:00")
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError("times need a time zone offset")
    return when


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a text")
    return value


def _matchers(value: Any, limit: int) -> tuple[Matcher, ...]:
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise ValueError('matchers must be a list of texts such as "territory_id=saint-malo"')
    if len(value) > limit:
        raise SilenceError(f"{len(value)} matchers: a silence has at most {limit}")
    return tuple(Matcher.parse(m) for m in value)


def api_routes(
    dispatcher: Dispatcher,
    silences: Silences,
    clock: Clock,
    on_silences_changed: Callable[[], None],
    token: SecretStr,
    allowed_hosts: Collection[str] = frozenset({"localhost", "127.0.0.1", "::1"}),
) -> web.RouteTableDef:
    """The ``/api/v1`` routes; every one checked as the module docstring says. ``token`` is required."""
    if not token.get_secret_value():
        raise ValueError("the notifier API needs a non-empty token")
    hosts = frozenset(h.lower() for h in allowed_hosts)
    routes = web.RouteTableDef()

    def guarded(handler: Handler) -> Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            refused = refusal(request, token, hosts)
            if refused is not None:
                return refused
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
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _bad(f"body larger than {MAX_BODY_BYTES} bytes", 413)
        try:
            raw = await request.content.read(MAX_BODY_BYTES + 1)
        except (ValueError, OSError):
            return _bad("body could not be read")
        if len(raw) > MAX_BODY_BYTES:
            return _bad(f"body larger than {MAX_BODY_BYTES} bytes", 413)
        try:
            body: Any = json.loads(raw)
        except (ValueError, RecursionError):
            return _bad("body is not JSON")
        if not isinstance(body, dict):
            return _bad("body must be a JSON object")
        now = clock.now()
        try:
            matchers = _matchers(body.get("matchers"), silences.limits.max_matchers)
            starts_at = _time(body["starts_at"], "starts_at") if body.get("starts_at") else now
            if body.get("ends_at"):
                ends_at = _time(body["ends_at"], "ends_at")
            elif body.get("duration"):
                duration = _duration(body["duration"])
                if duration > silences.limits.max_duration:
                    raise SilenceError(f"a silence lasts at most {silences.limits.max_duration.days} days")
                ends_at = starts_at + duration
            else:
                return _bad("give ends_at or duration")
            silence = silences.add(
                matchers,
                starts_at,
                ends_at,
                _text(body.get("created_by"), "created_by"),
                _text(body.get("comment"), "comment"),
                now=now,
            )
        except (ValueError, TypeError, OverflowError) as exc:  # SilenceError and MatcherError are ValueErrors
            return _bad(str(exc)[:500])
        on_silences_changed()
        return web.json_response(silence.to_json(now), status=201)

    @routes.delete("/api/v1/silences/{silence_id}")
    @guarded
    async def expire_silence(request: web.Request) -> web.StreamResponse:
        try:
            silence = silences.expire(request.match_info["silence_id"], clock.now())
        except SilenceError as exc:
            return _bad(str(exc)[:500], 404)
        on_silences_changed()
        return web.json_response(silence.to_json(clock.now()))

    return routes
