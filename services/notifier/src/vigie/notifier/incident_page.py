"""The incident page and its actions, served next to the API by the notifier's HTTP server.

Routes (``{id}`` is the percent-encoded incident id):

* ``GET /incidents/{id}?exp&sig[&lang&tz]`` — the page (HTML), for a valid signed link
  (:mod:`vigie.notifier.links`); a tampered or expired link gets a 403 page;
* ``GET /incidents/{id}/chart.png?exp&sig[&lang&tz]`` — its chart, same link;
* ``POST /incidents/{id}/actions?exp&sig[&lang&tz]`` — a form of the page: acknowledge, silence the
  territory, false alarm (with a reason), real crisis. Needs the valid link, the page's CSRF token (a MAC of
  the link), and a same-origin request (an ``Origin`` naming another host, or ``Sec-Fetch-Site: cross-site``,
  is refused); answers with a redirect to the page (POST/redirect/GET);
* ``GET /api/v1/incidents/{id}`` and ``POST /api/v1/incidents/{id}/actions`` (JSON) — the same for
  programs; they need the API token like the rest of ``/api`` (:func:`vigie.notifier.api.refusal`).

Every request must name an allowed ``Host`` (421 otherwise). Actions are idempotent (the form's nonce, the
API's ``action_id``) and audited; each accepted one is published on ``vigie.feedback.v1``.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from pydantic import SecretStr

from vigie.notifier.api import host_name, refusal
from vigie.notifier.incident_history import ActionError, IncidentHistory, IncidentRecord
from vigie.notifier.links import IncidentLinks, SignedLink
from vigie.notifier.matchers import Matcher
from vigie.notifier.rendering.chart import ChartRenderer, chart_request_for
from vigie.notifier.rendering.page import PAGE_WORDS, PageForm, render_forbidden, render_page
from vigie.notifier.silences import Silences
from vigie.runtime.clock import Clock
from vigie.schemas import FeedbackAction, FeedbackEvent
from vigie.schemas.feedback import FeedbackChannel
from vigie.text.locale import Language

log = logging.getLogger(__name__)

ACTIONS: tuple[FeedbackAction, ...] = ("acknowledged", "silenced", "false_alarm", "real_crisis")
MAX_FORM_BYTES = 16 * 1024
MAX_SILENCE_HOURS = 72
DEFAULT_SILENCE_HOURS = 4
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    # Posts' sites never see the signed link; the page's own forms keep a real Origin header.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class FeedbackSink(Protocol):
    """Publishes one accepted action on ``vigie.feedback.v1`` (raises when it could not)."""

    async def publish(self, event: FeedbackEvent) -> None: ...


class DiscardFeedback:
    async def publish(self, event: FeedbackEvent) -> None:
        return None


@dataclass
class IncidentPages:
    """Everything the page and its actions need."""

    history: IncidentHistory
    silences: Silences
    on_silences_changed: Callable[[], None]
    links: IncidentLinks
    clock: Clock
    feedback: FeedbackSink
    charts: ChartRenderer
    allowed_hosts: Collection[str]
    token: SecretStr | None
    locale: Language = "fr"
    timezone: str = "Europe/Paris"
    #: Told of every accepted action after it is published (e.g. :class:`~vigie.notifier.thread_notes.SlackThreadNotes`).
    on_action: Callable[[FeedbackEvent], Awaitable[None]] | None = None

    async def act(
        self,
        incident_id: str,
        action: FeedbackAction,
        actor: str,
        channel: FeedbackChannel,
        action_id: str,
        reason: str | None = None,
        hours: float = DEFAULT_SILENCE_HOURS,
    ) -> FeedbackEvent | None:
        """Apply one action (idempotent by ``action_id``); the feedback published, or None if already done."""
        record = self.history.get(incident_id)
        if record is None:
            raise ActionError("unknown incident (it may be older than this notifier's memory)")
        if action_id in record.action_ids:
            return None
        now = self.clock.now()
        until = None
        if action == "silenced":
            if not 0 < hours <= MAX_SILENCE_HOURS:
                raise ActionError(f"a silence from the incident page lasts 1 to {MAX_SILENCE_HOURS} hours")
            until = now + timedelta(hours=hours)
        event = self.history.act(incident_id, action, actor, channel, now, action_id, reason, until)
        if event is None:
            return None
        if until is not None:
            matcher = Matcher.parse(f"territory_id={record.territory_id}")
            self.silences.add((matcher,), now, until, event.actor, f"incident {incident_id}", now=now)
            self.on_silences_changed()
        try:
            await self.feedback.publish(event)
        except Exception as exc:  # the action stands; the audit trail on the page has it
            log.warning("feedback not published", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
        if self.on_action is not None:
            try:
                await self.on_action(event)
            except Exception as exc:  # told best effort: the action stands
                log.warning("action not told", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
        return event

    def display(self, request: web.Request) -> tuple[Language, ZoneInfo]:
        lang = request.query.get("lang", self.locale)
        locale: Language = "en" if lang == "en" else ("fr" if lang == "fr" else self.locale)
        try:
            zone = ZoneInfo(request.query.get("tz", self.timezone)[:64])
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(self.timezone)
        return locale, zone

    def link(self, request: web.Request) -> SignedLink | None:
        incident_id = request.match_info["incident_id"]
        return self.links.verify(
            incident_id, request.query.get("exp", ""), request.query.get("sig", ""), self.clock.now()
        )

    def linked_record(self, request: web.Request) -> tuple[SignedLink, IncidentRecord] | None:
        """The request's valid signed link and the incident it names, or None (then the answer is 403)."""
        link = self.link(request)
        record = self.history.get(request.match_info["incident_id"])
        return None if link is None or record is None else (link, record)


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS)


def _forbidden(locale: Language) -> web.Response:
    return _html(render_forbidden(locale), 403)


def _cross_site(request: web.Request) -> bool:
    """Whether a browser sent this request from another site: an ``Origin`` naming another host and port, or
    ``Sec-Fetch-Site`` other than ``same-origin``/``none``. ``Origin: null`` (sent under some referrer
    policies and by sandboxed frames) is accepted only with ``Sec-Fetch-Site: same-origin``."""
    origin = request.headers.get("Origin")
    host = request.headers.get("Host", "").strip().lower()
    fetch_site = request.headers.get("Sec-Fetch-Site", "").lower()
    if fetch_site in ("cross-site", "same-site"):
        return True
    if origin is None:
        return False
    if origin == "null":
        return fetch_site != "same-origin"
    try:
        return urlsplit(origin).netloc.lower() != host
    except ValueError:
        return True


def _query(link: SignedLink, locale: Language, zone: ZoneInfo, **extra: str) -> str:
    return urlencode({"exp": str(link.expires), "sig": link.signature, "lang": locale, "tz": zone.key, **extra})


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_incident_routes(routes: web.RouteTableDef, pages: IncidentPages) -> None:
    """Register the page, chart, form and JSON routes (see the module docstring) on ``routes``."""
    hosts = frozenset(h.lower() for h in pages.allowed_hosts)

    def page_guard(handler: Handler) -> Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            if host_name(request.headers.get("Host", "")) not in hosts:
                return web.json_response({"error": "host not allowed"}, status=421)
            return await handler(request)

        return wrapper

    @routes.get("/incidents/{incident_id}")
    @page_guard
    async def page(request: web.Request) -> web.StreamResponse:
        locale, zone = pages.display(request)
        linked = pages.linked_record(request)
        if linked is None:
            return _forbidden(locale)
        link, record = linked
        path = pages.links.path(link.incident_id)
        done = request.query.get("done")
        notice = {"1": PAGE_WORDS[locale]["done"], "0": PAGE_WORDS[locale]["already"]}.get(done or "")
        form = PageForm(
            action_url=f"{path}/actions?{_query(link, locale, zone)}",
            csrf=pages.links.csrf_token(link),
            nonce=secrets.token_urlsafe(12),
            chart_url=f"{path}/chart.png?{_query(link, locale, zone)}"
            if len(record.latest.evidence.series) > 1
            else None,
            expires=_expiry(link),
        )
        return _html(render_page(record, locale, zone, form, notice))

    @routes.get("/incidents/{incident_id}/chart.png")
    @page_guard
    async def chart(request: web.Request) -> web.StreamResponse:
        locale, zone = pages.display(request)
        linked = pages.linked_record(request)
        if linked is None:
            return _forbidden(locale)
        _, record = linked
        png = await pages.charts.render(chart_request_for(record.latest.evidence.series, zone.key, locale))
        if png is None:
            return web.Response(status=404)
        return web.Response(
            body=png, content_type="image/png", headers={**_HEADERS, "Cache-Control": "private, max-age=300"}
        )

    @routes.post("/incidents/{incident_id}/actions")
    @page_guard
    async def form_action(request: web.Request) -> web.StreamResponse:
        locale, zone = pages.display(request)
        if _cross_site(request):
            return _forbidden(locale)
        link = pages.link(request)
        if link is None:
            return _forbidden(locale)
        if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
            return web.Response(status=413)
        form = await request.post()
        if not pages.links.csrf_ok(link, str(form.get("csrf", ""))):
            return _forbidden(locale)
        action = str(form.get("action", ""))
        if action not in ACTIONS:
            return web.Response(status=400, text="unknown action")
        nonce = str(form.get("nonce", ""))[:64] or secrets.token_urlsafe(12)
        try:
            hours = float(str(form.get("hours", DEFAULT_SILENCE_HOURS)) or DEFAULT_SILENCE_HOURS)
            event = await pages.act(
                link.incident_id,
                action,
                str(form.get("actor", "")),
                "page",
                f"page:{link.incident_id}:{nonce}:{action}",
                str(form.get("reason", "")) or None,
                hours,
            )
        except (ActionError, ValueError) as exc:
            return _html(f"<!DOCTYPE html><p>{_escape(str(exc))}</p>", 400)
        target = f"{pages.links.path(link.incident_id)}?{_query(link, locale, zone, done='1' if event else '0')}"
        raise web.HTTPSeeOther(target, headers=_HEADERS)

    def api_guard(handler: Handler) -> Handler:
        async def wrapper(request: web.Request) -> web.StreamResponse:
            if pages.token is None:
                return web.json_response({"error": "the API is disabled"}, status=404)
            refused = refusal(request, pages.token, hosts)
            if refused is not None:
                return refused
            return await handler(request)

        return wrapper

    @routes.get("/api/v1/incidents/{incident_id}")
    @api_guard
    async def api_incident(request: web.Request) -> web.StreamResponse:
        record = pages.history.get(request.match_info["incident_id"])
        if record is None:
            return web.json_response({"error": "unknown incident"}, status=404)
        return web.json_response(
            {
                "incident": json.loads(record.latest.model_dump_json()),
                "timeline": [
                    {"sequence": e.sequence, "transition": e.transition, "severity": e.severity,
                     "event_time": e.event_time.isoformat()}
                    for e in record.timeline
                ],
                "deliveries": [
                    {"at": d.at.isoformat(), "receiver": d.receiver, "integration": d.integration,
                     "transition": d.transition, "outcome": d.outcome}
                    for d in record.deliveries
                ],
                "audit": [json.loads(a.model_dump_json()) for a in record.audit],
                "page_url": pages.links.url(record.incident_id, pages.clock.now()),
            }
        )  # fmt: skip

    @routes.post("/api/v1/incidents/{incident_id}/actions")
    @api_guard
    async def api_action(request: web.Request) -> web.StreamResponse:
        try:
            raw = await request.content.read(MAX_FORM_BYTES + 1)
            body: Any = json.loads(raw) if len(raw) <= MAX_FORM_BYTES else None
        except (ValueError, RecursionError, OSError):
            body = None
        if not isinstance(body, dict):
            return web.json_response({"error": "body must be a JSON object of at most 16 KiB"}, status=400)
        action = body.get("action")
        if action not in ACTIONS:
            return web.json_response({"error": f"action must be one of {', '.join(ACTIONS)}"}, status=400)
        incident_id = request.match_info["incident_id"]
        action_id = body.get("action_id") or secrets.token_urlsafe(12)
        hours = body.get("hours", DEFAULT_SILENCE_HOURS)
        if not isinstance(action_id, str) or isinstance(hours, bool) or not isinstance(hours, int | float):
            return web.json_response({"error": "action_id must be a text, hours a number"}, status=400)
        try:
            event = await pages.act(
                incident_id,
                action,
                str(body.get("actor") or ""),
                "api",
                f"api:{incident_id}:{action_id[:200]}",
                str(body["reason"]) if body.get("reason") is not None else None,
                float(hours),
            )
        except ActionError as exc:
            status = 404 if "unknown incident" in str(exc) else 400
            return web.json_response({"error": str(exc)}, status=status)
        if event is None:
            return web.json_response({"status": "already recorded"}, status=200)
        return web.json_response({"status": "recorded", "feedback": json.loads(event.model_dump_json())}, status=201)


def _expiry(link: SignedLink) -> datetime:
    return datetime.fromtimestamp(link.expires, UTC)


def _escape(text: str) -> str:
    return html.escape(text[:500])
