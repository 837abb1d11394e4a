"""Reading Meta's Graph APIs (Facebook Pages, Instagram, Threads): errors classified, usage headers honoured.

Errors (https://developers.facebook.com/docs/graph-api/guides/error-handling) come as
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` with HTTP 400/401/403/500:

* code 190 (``OAuthException``: expired, revoked or invalid token) and 102 (session) → :class:`FetchError`
  with reason ``auth`` and a message that says to renew the territory's token; the runner backs off (up to its
  maximum delay) and tries again, so a renewed token in the secret mount is picked up without a restart;
* codes 4 (application), 17 (user), 32 (page), 613 (calls within one hour) and 80001–80014 (business use
  case) and HTTP 429 → reason ``rate_limited`` with a ``retry_after`` taken from ``X-Business-Use-Case-Usage``'s
  ``estimated_time_to_regain_access`` (minutes) or ``Retry-After`` when given, else
  :data:`DEFAULT_RATE_LIMIT_PAUSE_S`;
* codes 1 and 2 (temporary) and HTTP 5xx → retryable ``http_5xx``; anything else → ``graph_<code>``.

Usage headers (https://developers.facebook.com/docs/graph-api/overview/rate-limiting): ``X-App-Usage`` and
``X-Page-Usage`` carry percentages of the hourly budget (``call_count``, ``total_cputime``, ``total_time``);
``X-Business-Use-Case-Usage`` maps business ids to such percentages plus ``estimated_time_to_regain_access``.
:class:`GraphUsageGate` pauses the source before it reaches 100 %, instead of being throttled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from vigie.collector.errors import FetchError
from vigie.collector.sources import payload
from vigie.collector.sources.http_fetch import fetch
from vigie.runtime.clock import Clock
from vigie.runtime.retry_after import parse_retry_after

GRAPH_URL = "https://graph.facebook.com/v21.0"
THREADS_URL = "https://graph.threads.net/v1.0"
#: Pause after a throttling error that says nothing of when access comes back (usage is an hourly window).
DEFAULT_RATE_LIMIT_PAUSE_S = 300.0
#: Usage percentage from which the gate pauses the source.
USAGE_CEILING_PCT = 90.0
#: Pause when a usage header is at or above the ceiling (the window slides: usage decays within minutes).
USAGE_PAUSE_S = 120.0
AUTH_CODES = frozenset({102, 190})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
TRANSIENT_CODES = frozenset({1, 2})
_USAGE_FIELDS = ("call_count", "total_cputime", "total_time", "acc_id_util_pct")


def _percentages(value: Any) -> list[float]:
    if not isinstance(value, dict):
        return []
    out = []
    for key in _USAGE_FIELDS:
        number = value.get(key)
        if isinstance(number, int | float) and not isinstance(number, bool) and number == number:
            out.append(float(number))
    return out


class GraphUsageGate:
    """Remembers how close the app, page or business is to its hourly budget; :meth:`wait` pauses until
    the usage had time to decay when it was above :data:`USAGE_CEILING_PCT`."""

    def __init__(self, clock: Clock, ceiling_pct: float = USAGE_CEILING_PCT, pause_s: float = USAGE_PAUSE_S) -> None:
        self.clock = clock
        self.ceiling_pct = ceiling_pct
        self.pause_s = pause_s
        self.not_before = 0.0

    def regain_after(self, headers: httpx.Headers) -> float | None:
        """Seconds until access comes back, from ``X-Business-Use-Case-Usage`` (None when not said)."""
        try:
            usage = payload.loads(headers.get("x-business-use-case-usage", "") or "{}")
        except ValueError:
            return None
        longest: float | None = None
        for entries in usage.values() if isinstance(usage, dict) else ():
            for entry in entries if isinstance(entries, list) else ():
                minutes = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
                if isinstance(minutes, int | float) and not isinstance(minutes, bool) and 0 < minutes < 10_000:
                    longest = max(longest or 0.0, float(minutes) * 60.0)
        return longest

    def observe(self, headers: httpx.Headers) -> None:
        """Read the usage headers of an answer; move :attr:`not_before` when a budget is nearly spent."""
        peak = 0.0
        for name in ("x-app-usage", "x-page-usage", "x-ad-account-usage"):
            raw = headers.get(name)
            if raw:
                try:
                    peak = max([peak, *_percentages(payload.loads(raw))])
                except ValueError:
                    continue
        raw = headers.get("x-business-use-case-usage")
        if raw:
            try:
                usage = payload.loads(raw)
            except ValueError:
                usage = {}
            for entries in usage.values() if isinstance(usage, dict) else ():
                for entry in entries if isinstance(entries, list) else ():
                    peak = max([peak, *_percentages(entry)])
        now = self.clock.time()
        regain = self.regain_after(headers)
        if regain is not None:
            self.not_before = max(self.not_before, now + regain)
        elif peak >= self.ceiling_pct:
            self.not_before = max(self.not_before, now + self.pause_s)

    async def wait(self) -> None:
        delay = self.not_before - self.clock.time()
        if delay > 0:
            await self.clock.sleep(delay)


def graph_error(status: int, body: bytes, headers: httpx.Headers, gate: GraphUsageGate, what: str) -> FetchError:
    """The :class:`FetchError` for a Graph API error answer (see the module docstring)."""
    code: int | None = None
    message = ""
    try:
        error = payload.loads(body).get("error", {})
        if isinstance(error, dict):
            raw_code = error.get("code")
            code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
            message = str(payload.text(error.get("message")) or "")[:300]
    except (ValueError, AttributeError):
        pass
    detail = f"{what}: HTTP {status}, Graph error {code}: {message}"
    if code in AUTH_CODES or (code is None and status == 401):
        return FetchError(
            "auth",
            f"{detail} — the access token is expired, revoked or lacks a permission: generate a new long-lived "
            "token for this territory and update the secret (the source retries with backoff meanwhile)",
        )
    if code in RATE_LIMIT_CODES or status == 429:
        regain = gate.regain_after(headers)
        if regain is None:
            regain = parse_retry_after(headers.get("retry-after"), gate.clock.now())
        pause = regain if regain is not None else DEFAULT_RATE_LIMIT_PAUSE_S
        gate.not_before = max(gate.not_before, gate.clock.time() + pause)
        return FetchError("rate_limited", f"{detail} (throttled: pausing {pause:.0f}s)", retry_after=pause)
    if code in TRANSIENT_CODES or status >= 500:
        return FetchError("http_5xx", detail)
    return FetchError(f"graph_{code}" if code is not None and 0 < code < 100_000 else f"http_{status}", detail)


async def graph_get(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, str] | None,
    token: str,
    gate: GraphUsageGate,
    what: str,
) -> dict[str, Any]:
    """GET a Graph API object or edge page as a dict (``url`` may be a ``paging.next`` URL, whose query
    already holds every parameter); errors become :class:`FetchError` (see the module docstring).

    The token travels in the ``Authorization`` header, never in the URL (which may be logged)."""
    await gate.wait()
    ok = (200, 400, 401, 403, 404, 429, 500, 503)
    response, body = await fetch(
        client,
        "GET",
        url,
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        ok_statuses=ok,
        clock=gate.clock,
    )
    gate.observe(response.headers)
    if response.status_code != 200:
        raise graph_error(response.status_code, body, response.headers, gate, what)
    try:
        data = payload.loads(body)
    except ValueError as exc:
        raise FetchError("parse", f"{what}: answer is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FetchError("parse", f"{what}: answer is not a JSON object")
    return data


def edge_page(data: dict[str, Any], what: str, base_url: str) -> tuple[list[Any], str | None]:
    """``data`` and ``paging.next`` of an edge page (``{"data": [...], "paging": {"cursors", "next"}}``).

    The next URL is followed only on the API's own scheme and host (the bearer token goes with it), and
    without the ``access_token`` Meta writes into it (the token travels in the header)."""
    items = data.get("data")
    if not isinstance(items, list):
        raise FetchError("parse", f"{what}: answer has no data list")
    paging = data.get("paging")
    following = payload.text(paging.get("next")) if isinstance(paging, dict) else None
    return items, _same_origin(following, base_url)


def _same_origin(url: str | None, base_url: str) -> str | None:
    if not url:
        return None
    parts, base = urlsplit(url), urlsplit(base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def graph_time(value: Any) -> datetime:
    """A Graph API time (``2026-11-27T08:00:00+0000``, ISO 8601) or unix seconds, as an aware datetime whose
    ``timestamp()`` works (the edge reader's cursor needs it); ``ValueError`` for any unreadable time."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            parsed = datetime.fromtimestamp(float(value), UTC)
        else:
            text = payload.text(value)
            if text is None:
                raise ValueError("time is missing or not a string")
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        parsed.timestamp()
    except (OverflowError, OSError) as exc:
        raise ValueError(f"time out of range: {exc}") from None
    return parsed
