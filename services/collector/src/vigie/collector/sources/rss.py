"""RSS and Atom feeds (news sites, Google News searches, Google Alerts), polled with conditional GETs.

Each poll sends ``If-None-Match`` / ``If-Modified-Since`` from the previous answer; a 304 is a successful,
empty read. The cursor is the validators (``etag``, ``last_modified``); entries already emitted are dropped
by the pipeline's dedup, which survives restarts.

Bad input never stops the feed: an HTML page or garbage instead of XML is dead-lettered (reason ``not a
feed``) and counted as a ``parse`` fetch error; a truncated feed keeps the entries that parsed and counts a
``parse`` error; an entry without id, link, title or text is dead-lettered on its own.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources.base import PollingSource
from vigie.collector.sources.html_text import html_to_text
from vigie.collector.sources.http_fetch import DEFAULT_MAX_BYTES, fetch
from vigie.runtime.clock import Clock


def _when(entry: Any) -> datetime | None:
    """The entry's first date that can be represented (the pipeline bounds it), else None."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, OSError, ValueError, TypeError):
                continue
    return None


#: A numeric character reference with more digits than any code point has (``&#99999999999;``): feedparser
#: raises OverflowError on it.
_CHARREF = re.compile(rb"&#(?:([0-9]{7,})|[xX]([0-9a-fA-F]{6,}));")


def _beyond_unicode(match: re.Match[bytes]) -> bytes:
    decimal, hexadecimal = match.groups()
    digits, base = (decimal, 10) if decimal is not None else (hexadecimal, 16)
    return b"&#65533;" if len(digits) > 40 or int(digits, base) > 0x10FFFF else match.group(0)


def _without_huge_charrefs(body: bytes) -> bytes:
    """``body`` with character references beyond any code point written as U+FFFD's."""
    return _CHARREF.sub(_beyond_unicode, body) if b"&#" in body else body


def _preview(entry: Any) -> bytes:
    try:
        fields = {str(k)[:100]: str(v)[:200] for k, v in entry.items()}
    except Exception:
        fields = {}
    return json.dumps(fields, ensure_ascii=False).encode("utf-8", errors="backslashreplace")


class RssSource(PollingSource):
    """One feed URL."""

    kind = "rss"

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        interval_s: float = 300.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        start_delay_s: float = 0.0,
        name: str | None = None,
    ) -> None:
        super().__init__(clock, interval_s, start_delay_s)
        self.url = url
        self.client = client
        self.max_bytes = max_bytes
        self.name = name or f"rss:{url}"
        self._cursor: Cursor = {}

    def restore(self, cursor: Cursor | None) -> None:
        self._cursor = dict(cursor or {})

    async def poll(self) -> Batch:
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
        if self._cursor.get("etag"):
            headers["If-None-Match"] = str(self._cursor["etag"])
        if self._cursor.get("last_modified"):
            headers["If-Modified-Since"] = str(self._cursor["last_modified"])
        response, body = await fetch(
            self.client,
            "GET",
            self.url,
            max_bytes=self.max_bytes,
            ok_statuses=(200, 304),
            headers=headers,
            clock=self.clock,
        )
        if response.status_code == 304:
            return Batch(cursor=dict(self._cursor))
        cursor: Cursor = {}
        if response.headers.get("etag"):
            cursor["etag"] = response.headers["etag"]
        if response.headers.get("last-modified"):
            cursor["last_modified"] = response.headers["last-modified"]
        self._cursor = cursor
        batch = self.parse(body, response.headers.get("content-type", ""))
        batch.cursor = dict(cursor)
        return batch

    def parse(self, body: bytes, content_type: str = "") -> Batch:
        """Items of a feed document (see the module docstring for bad input)."""
        batch = Batch()
        try:
            parsed = feedparser.parse(
                _without_huge_charrefs(body), response_headers={"content-type": content_type} if content_type else None
            )
        except Exception as exc:  # the parser's own failure: the document is refused, the feed polled again
            problem = f"the feed parser failed: {type(exc).__name__}: {str(exc)[:300]}"
            batch.rejected.append(RejectedInput(self.kind, self.url, "decode", f"not a feed: {problem}", body[:2048]))
            batch.problems.append(("parse", f"{self.url}: not a feed: {problem}"))
            return batch
        is_feed = bool(parsed.get("version")) or bool(parsed.entries)
        if not is_feed:
            problem = parsed.get("bozo_exception") or "no RSS or Atom root element"
            batch.rejected.append(RejectedInput(self.kind, self.url, "decode", f"not a feed: {problem}", body[:2048]))
            batch.problems.append(("parse", f"{self.url}: not a feed: {problem}"))
            return batch
        if parsed.get("bozo") and not isinstance(
            parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType
        ):
            batch.problems.append(("parse", f"{self.url}: malformed feed: {parsed.get('bozo_exception')}"))
        language = parsed.feed.get("language")
        for entry in parsed.entries:
            try:
                item = self._item(entry, language)
            except Exception as exc:  # a bad entry fails only itself
                reason = f"invalid feed entry: {type(exc).__name__}: {str(exc)[:300]}"
                item = RejectedInput(self.kind, self.url, "validation", reason, _preview(entry))
            if isinstance(item, RejectedInput):
                batch.rejected.append(item)
            else:
                batch.items.append(item)
        return batch

    def _item(self, entry: Any, language: str | None) -> CollectedItem | RejectedInput:
        title = html_to_text(entry.get("title") or "").replace("\u00a0", " ")
        content = entry.get("content") or []
        summary = entry.get("summary") or (content[0].get("value") if content else "") or ""
        text = html_to_text(summary).replace("\u00a0", " ")
        link = entry.get("link")
        native_id = entry.get("id") or link
        if not native_id and (title or text):
            native_id = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:32]
        if not native_id or not (title or text):
            reason = "feed entry without id, link, title or text"
            return RejectedInput(self.kind, self.url, "validation", reason, _preview(entry))
        author = _author_name(entry.get("author"))
        publisher = (entry.get("source") or {}).get("title")
        return CollectedItem(
            kind="rss",
            instance=self.url,
            native_id=str(native_id)[:512],
            text=text or title,
            title=title or None,
            url=link,
            language=_entry_language(entry) or language,
            published_at=_when(entry) or self.clock.now(),
            author_handle=author,
            author_name=author,
            extra={"publisher": str(publisher)[:1024]} if publisher else {},
        )


_EMAIL = re.compile(r"\S+@\S+")


def _author_name(author: Any) -> str | None:
    """The author's name without any e-mail address (RSS writes ``jane@example.com (Jane)``)."""
    if not isinstance(author, str):
        return None
    name = _EMAIL.sub(" ", author).replace("(", " ").replace(")", " ")
    return " ".join(name.split()) or None


def _entry_language(entry: Any) -> str | None:
    """``xml:lang`` of the entry, or of its title, summary or content (feedparser's ``*_detail.language``)."""
    if entry.get("language"):
        return str(entry.get("language"))
    details = [entry.get("title_detail"), entry.get("summary_detail"), *(entry.get("content") or [])]
    for detail in details:
        language = detail.get("language") if hasattr(detail, "get") else None
        if isinstance(language, str) and language:
            return language
    return None
