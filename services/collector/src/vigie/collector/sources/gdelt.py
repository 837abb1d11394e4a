"""The press through the GDELT 2.0 DOC API (open, no key): articles naming a territory, with their tone.

One source for every territory; requests are spaced by ``min_gap_s`` (GDELT asks for at most one request
every 5 seconds and refuses faster clients). For each territory's query the source asks ``mode=ArtList``
(``format=json``, ``sort=DateAsc``, ``maxrecords=250``, ``startdatetime`` = the newest ``seendate`` already
read, the first time ``lookback_s`` ago) and, when 250 articles came back, asks again from the last one's
``seendate`` (at most ``max_pages`` pages a poll). With ``tone`` on, one ``mode=ToneChart`` request over the
whole window gives the tone bin of the articles GDELT lists in it (its ``toparts``); the bin is kept in
``extra["tone"]`` (GDELT's tone: about -10, very negative, to +10).

GDELT answers a query it refuses (a keyword too short, a phrase too short, too many terms) with HTTP 200 and
a plain-text message: that query is skipped with a ``gdelt_query`` problem (log line and metric) and the
other territories go on. Its JSON may carry raw control characters and stray backslashes in titles: they
are repaired (see :func:`lenient_json`); an answer beyond repair skips the query with a ``parse`` problem.
429 and 5xx are retried with backoff (``Retry-After`` honoured).

An article becomes an item whose id is a hash of its URL (the same article found again, by any territory's
query, is dropped by dedup), whose text is its title (the API gives no body), dated by ``seendate`` (when
GDELT saw it), with its language (GDELT's English name mapped to ISO 639-1), domain and source country.
The territory whose query found the article is the mention's territory.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.base import QueryPollingSource
from vigie.collector.sources.http_fetch import fetch
from vigie.runtime.clock import Clock

API_URL = "https://api.gdeltproject.org/api/v2/doc/doc"
#: GDELT refuses single keywords shorter than this ("keyword that was too short").
MIN_KEYWORD_CHARS = 3
#: Phrases shorter than this are refused too ("The specified phrase is too short"): they go unquoted.
MIN_PHRASE_CHARS = 5
#: A longer query is split in several (GDELT refuses very long queries; URLs stay short).
MAX_QUERY_CHARS = 500
#: GDELT's DOC API searches the last three months only.
MAX_LOOKBACK = timedelta(days=90)
_DATE = "%Y%m%d%H%M%S"
#: GDELT's language names (``sourcelang``) to ISO 639-1.
LANGUAGES = {
    "french": "fr",
    "english": "en",
    "spanish": "es",
    "german": "de",
    "italian": "it",
    "portuguese": "pt",
    "dutch": "nl",
    "catalan": "ca",
    "arabic": "ar",
    "russian": "ru",
    "chinese": "zh",
    "japanese": "ja",
    "polish": "pl",
    "turkish": "tr",
    "romanian": "ro",
    "greek": "el",
    "swedish": "sv",
    "danish": "da",
    "norwegian": "no",
    "finnish": "fi",
    "czech": "cs",
    "hungarian": "hu",
    "ukrainian": "uk",
    "korean": "ko",
    "hindi": "hi",
}


def query_terms(terms: tuple[str, ...]) -> list[str]:
    """Terms as GDELT accepts them: multi-word terms long enough quoted, short single words dropped."""
    out: list[str] = []
    for raw in dict.fromkeys(t.strip().replace('"', "") for t in terms):
        words = re.findall(r"\w+", raw)
        if not words or all(len(w) < MIN_KEYWORD_CHARS for w in words):
            continue
        multi = len(words) > 1 or not re.fullmatch(r"\w+", raw)
        if multi and len(raw) >= MIN_PHRASE_CHARS:
            out.append(f'"{raw}"')
        elif len(words) == 1 and len(words[0]) >= MIN_KEYWORD_CHARS:
            out.append(words[0])
    return out


def build_queries(terms: tuple[str, ...], suffix: str = "") -> list[str]:
    """OR-ed terms in parentheses (as GDELT requires for OR), split so that each query stays short."""
    tail = f" {suffix.strip()}" if suffix.strip() else ""
    groups: list[list[str]] = []
    for term in query_terms(terms):
        if groups and len(" OR ".join([*groups[-1], term])) + len(tail) + 2 <= MAX_QUERY_CHARS:
            groups[-1].append(term)
        else:
            groups.append([term])
    return [(f"({' OR '.join(g)})" if len(g) > 1 else g[0]) + tail for g in groups]


@dataclass(frozen=True, slots=True)
class TerritoryQuery:
    """A GDELT query and the territory its articles are attributed to."""

    territory_id: str
    query: str
    terms: tuple[str, ...] = ()


class GdeltAnswerError(Exception):
    """GDELT answered a query with something other than its results (``reason`` is a metric label)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def lenient_json(body: bytes, max_repairs: int = 100) -> Any:
    """GDELT's JSON, repaired: it may hold raw control characters and stray backslashes in titles (the
    gdeltdoc client repairs them the same way). Each character the parser stops at becomes a space, at most
    ``max_repairs`` times; then ``ValueError``."""
    text = body.decode("utf-8", errors="replace")
    for _ in range(max_repairs):
        try:
            return json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text):
                raise ValueError(f"truncated JSON: {exc.msg}") from None
            text = f"{text[: exc.pos]} {text[exc.pos + 1 :]}"
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
    raise ValueError(f"more than {max_repairs} invalid characters")


def _seen(value: Any) -> datetime:
    text = payload.text(value)
    if text is None:
        raise ValueError("seendate missing")
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _seen_key(article: Any) -> str:
    """An article's ``seendate`` as ``startdatetime`` writes it (empty when unreadable)."""
    try:
        return _seen(article.get("seendate")).strftime(_DATE)
    except (ValueError, AttributeError):
        return ""


class GdeltSource(QueryPollingSource[TerritoryQuery]):
    """Articles of the world's online press naming the territories (see the module docstring)."""

    kind = "gdelt"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        queries: tuple[TerritoryQuery, ...],
        interval_s: float = 900.0,
        min_gap_s: float = 5.0,
        max_records: int = 250,
        max_pages: int = 4,
        lookback_s: float = 86_400.0,
        tone: bool = True,
        api_url: str = API_URL,
        name: str = "gdelt",
    ) -> None:
        super().__init__(clock, interval_s)
        self.client = client
        self.queries = queries
        self.min_gap_s = min_gap_s
        self.max_records = max_records
        self.max_pages = max_pages
        self.lookback = min(timedelta(seconds=lookback_s), MAX_LOOKBACK)
        self.tone = tone
        self.api_url = api_url
        self.name = name
        self._since: dict[str, str] = {}
        self._next_request_at = 0.0

    async def _request(self, params: dict[str, str]) -> Any:
        """One request, no sooner than ``min_gap_s`` after the previous one: the parsed JSON, or
        :class:`GdeltAnswerError` when GDELT refused the query or its answer cannot be repaired."""
        delay = self._next_request_at - self.clock.time()
        if delay > 0:
            await self.clock.sleep(delay)
        try:
            response, body = await fetch(
                self.client, "GET", self.api_url, params={**params, "format": "json"}, clock=self.clock
            )
        finally:
            self._next_request_at = self.clock.time() + self.min_gap_s
        if "json" not in response.headers.get("content-type", "json") or body.strip()[:1] not in (b"{", b"["):
            message = body.decode("utf-8", errors="replace").strip()[:300] or "empty answer"
            raise GdeltAnswerError("gdelt_query", f"GDELT refused the query {params['query']!r}: {message}")
        try:
            return lenient_json(body)
        except ValueError as exc:
            raise GdeltAnswerError("parse", f"GDELT answer to {params['query']!r} is not JSON: {exc}") from None

    async def _read_query(self, batch: Batch, query: TerritoryQuery) -> None:
        key = f"{query.territory_id}:{query.query}"
        floor = self.clock.now() - MAX_LOOKBACK + timedelta(hours=1)
        start = self._since.get(key) or (self.clock.now() - self.lookback).strftime(_DATE)
        start = max(start, floor.strftime(_DATE))
        window_start = start
        articles: list[Any] = []
        for _ in range(self.max_pages):
            params = {"query": query.query, "mode": "ArtList", "sort": "DateAsc", "startdatetime": start}
            try:
                answer = await self._request({**params, "maxrecords": str(self.max_records)})
            except GdeltAnswerError as exc:  # this query only: the other territories go on
                batch.problems.append((exc.reason, str(exc)))
                return
            page = answer.get("articles", []) if isinstance(answer, dict) else None
            if not isinstance(page, list):
                batch.problems.append(("parse", f"GDELT answer to {query.query!r} without an articles list"))
                return
            articles += page
            last = max((_seen_key(a) for a in page), default=start)
            # a full page may hide more articles after it; a page all of one second cannot move on: stop
            if len(page) < self.max_records or last <= start:
                break
            start = last
        tones = await self._tones(query.query, window_start) if self.tone and articles else {}
        newest = window_start
        for article in articles:
            item = self.item(article, query, tones)
            if isinstance(item, RejectedInput):
                batch.rejected.append(item)
                continue
            batch.items.append(item)
            seen = item.published_at.strftime(_DATE)
            if newest < seen and item.published_at <= self.clock.now() + timedelta(minutes=5):
                newest = seen
        self._since[key] = newest

    async def _tones(self, query: str, start: str) -> dict[str, float]:
        """URL -> tone bin, from ``mode=ToneChart`` over the same window (its ``toparts``)."""
        try:
            answer = await self._request({"query": query, "mode": "ToneChart", "startdatetime": start})
        except GdeltAnswerError:
            return {}  # the articles are kept without their tone
        tones: dict[str, float] = {}
        chart = answer.get("tonechart") if isinstance(answer, dict) else None
        for entry in chart if isinstance(chart, list) else []:
            if not isinstance(entry, dict) or isinstance(entry.get("bin"), bool):
                continue
            tone = entry.get("bin")
            if not isinstance(tone, int | float) or not -100 <= tone <= 100:
                continue
            parts = entry.get("toparts")
            for part in parts if isinstance(parts, list) else []:
                url = payload.text(part.get("url")) if isinstance(part, dict) else None
                if url:
                    tones[url] = float(tone)
        return tones

    def item(self, article: Any, query: TerritoryQuery, tones: dict[str, float]) -> CollectedItem | RejectedInput:
        """An ArtList article as an item, or a rejection saying what is wrong with it."""
        try:
            url = payload.text(article["url"])
            if not url or not url.startswith(("http://", "https://")):
                raise ValueError("url is not an http(s) URL")
            title = (payload.text(article.get("title")) or "").strip()
            if not title:
                raise ValueError("article without a title")
            domain = payload.text(article.get("domain")) or urlsplit(url).netloc
            language_name = payload.text(article.get("language"))
            extra: dict[str, str | int | float | bool | None] = {"domain": domain}
            for field, name in (("sourcecountry", "source_country"), ("socialimage", "image_url")):
                if payload.text(article.get(field)):
                    extra[name] = payload.text(article.get(field))
            if language_name:
                extra["language_name"] = language_name
            if url in tones:
                extra["tone"] = tones[url]
            return CollectedItem(
                kind="gdelt",
                instance=domain[:256] or "gdelt",
                native_id=hashlib.sha256(url.encode("utf-8")).hexdigest()[:32],
                text=title,
                title=None,
                url=url,
                published_at=_seen(article["seendate"]),
                language=LANGUAGES.get((language_name or "").lower()),
                preset_territories=(query.territory_id,),
                preset_terms=query.terms[:8],
                extra=extra,
            )
        except Exception as exc:  # a bad article fails only itself
            return payload.invalid(self.kind, "gdelt", "article", article, exc)
