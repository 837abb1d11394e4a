"""X (formerly Twitter) API v2 recent search, with an app-only bearer token: posts naming the territories.

Off unless configured (read access is paid). One source for every territory: each territory's aliases and
hashtags make one or more queries (``("Saint-Malo" OR "St-Malo" OR #SaintMalo) -is:retweet``, split to stay
within ``max_query_chars``). Each poll asks ``GET /2/tweets/search/recent`` per query with ``since_id`` = the
newest post already read (the cursor, per query), follows ``meta.next_token`` for at most ``max_pages``
pages, then moves the cursor to the first page's ``meta.newest_id``. A burst larger than
``max_pages * max_results`` posts within one interval loses its oldest posts (the API has no other way back
than ``until_id``, which the cursor does not keep).

Kept of each post: the text (``note_tweet`` for long posts) followed by the alt text of its media, the post
replied to (``parent_id``) and quoted (``quoted_id``) from ``referenced_tweets``, likes, reposts, replies,
quotes and impressions (``public_metrics``), the author's username, name and follower count (expanded from
``author_id``), the first expanded link, the conversation id and the language tag (``qme``, ``qht``, ``zxx``...:
none). Retweets are excluded by the query (their text is the original's).

``x-rate-limit-remaining`` / ``x-rate-limit-reset`` (epoch seconds) are honoured by waiting for the reset; a
429 is retried after it. A 401 (bad or revoked token) or a 403 of an app without access to the endpoint is a
``credentials`` fetch error naming the setting to fix. A 400 (a query X refuses, a ``since_id`` older than
the 7 days recent search covers) skips that query with an ``x_query`` problem and forgets its ``since_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from vigie.collector.errors import FetchError
from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.base import QueryPollingSource
from vigie.collector.sources.http_fetch import fetch
from vigie.runtime.clock import Clock

API_URL = "https://api.x.com"
INSTANCE = "x.com"
TWEET_FIELDS = "created_at,lang,public_metrics,referenced_tweets,conversation_id,author_id,entities,note_tweet"
#: Language tags X gives to posts without a language (media only, hashtags only, undefined...).
NO_LANGUAGE = frozenset({"qme", "qht", "qam", "qct", "qst", "zxx", "und", "art"})


def _decimal_key(value: str) -> tuple[int, str]:
    digits = value.lstrip("0")
    return len(digits), digits


def build_queries(terms: tuple[str, ...], hashtags: tuple[str, ...], suffix: str, max_chars: int) -> list[str]:
    """OR-ed quoted terms and hashtags, ``suffix`` appended, split so that each query fits ``max_chars``."""
    parts = [f'"{t.replace(chr(34), "")}"' for t in dict.fromkeys(terms) if t.strip()]
    parts += [f"#{h.lstrip('#')}" for h in dict.fromkeys(hashtags) if h.strip("# ")]
    tail = f" {suffix.strip()}" if suffix.strip() else ""
    groups: list[list[str]] = []
    for part in parts:
        if groups and len(" OR ".join([*groups[-1], part])) + 2 + len(tail) <= max_chars:
            groups[-1].append(part)
        elif len(part) + len(tail) <= max_chars:
            groups.append([part])
    return [(f"({' OR '.join(g)})" if len(g) > 1 else g[0]) + tail for g in groups]


class XSource(QueryPollingSource[str]):
    """Recent-search queries of the X API v2 (see the module docstring)."""

    kind = "x"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        bearer_token: str,
        queries: tuple[str, ...],
        interval_s: float = 300.0,
        max_results: int = 100,
        max_pages: int = 3,
        api_url: str = API_URL,
        name: str = "x",
    ) -> None:
        super().__init__(clock, interval_s)
        self.client = client
        self._token = bearer_token
        self.queries = queries
        self.max_results = max_results
        self.max_pages = max_pages
        self.api_url = api_url.rstrip("/")
        self.name = name
        self._since: dict[str, str] = {}
        self._not_before = 0.0

    def __repr__(self) -> str:
        return f"XSource(name={self.name!r}, bearer_token=***)"

    def _observe(self, headers: httpx.Headers) -> float | None:
        """Seconds until ``x-rate-limit-reset`` (None when absent); waits are scheduled when none remain."""
        try:
            reset = float(headers["x-rate-limit-reset"]) - self.clock.time()
            remaining = int(headers.get("x-rate-limit-remaining", "1"))
        except (KeyError, ValueError):
            return None
        if remaining <= 0:
            self._not_before = self.clock.time() + max(0.0, reset)
        return max(0.0, reset)

    async def _get(self, params: dict[str, str]) -> tuple[int, Any]:
        delay = self._not_before - self.clock.time()
        if delay > 0:
            await self.clock.sleep(delay)
        url = f"{self.api_url}/2/tweets/search/recent"
        headers = {"Authorization": f"Bearer {self._token}"}
        response, body = await fetch(
            self.client,
            "GET",
            url,
            params=params,
            headers=headers,
            ok_statuses=(200, 400, 401, 403, 429),
            clock=self.clock,
        )
        until_reset = self._observe(response.headers)
        status = response.status_code
        if status == 429:
            raise FetchError("http_429", f"GET {url}: HTTP 429 (rate limit)", retry_after=until_reset)
        if status in (401, 403):
            raise FetchError(
                "credentials",
                f"X refused the bearer token (HTTP {status}): check VIGIE_COLLECTOR_X_BEARER_TOKEN and that the "
                "app's project has access to recent search",
            )
        try:
            return status, payload.loads(body)
        except ValueError as exc:
            if status != 200:
                return status, {}
            raise FetchError("parse", f"GET {url}: answer is not JSON: {exc}") from None

    async def _read_query(self, batch: Batch, query: str) -> None:
        params = {
            "query": query,
            "max_results": str(self.max_results),
            "expansions": "author_id,referenced_tweets.id,attachments.media_keys",
            "tweet.fields": TWEET_FIELDS,
            "user.fields": "public_metrics,username,name",
            "media.fields": "alt_text,type",
        }
        since = self._since.get(query)
        if since:
            params["since_id"] = since
        newest: str | None = None
        pages: list[tuple[list[Any], dict[str, Any]]] = []
        for _ in range(self.max_pages):
            status, data = await self._get(params)
            if status == 400:
                detail = data.get("detail") if isinstance(data, dict) else None
                batch.problems.append(("x_query", f"X refused the query {query!r}: {str(detail)[:300]}"))
                self._since.pop(query, None)
                return
            if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
                raise FetchError("parse", "X recent search answer without a data list")
            meta = _dict(data.get("meta"))
            if newest is None and isinstance(meta.get("newest_id"), str):
                newest = meta["newest_id"]
            pages.append((_list(data.get("data")), _dict(data.get("includes"))))
            token = payload.text(meta.get("next_token"))
            if not token:
                break
            params["next_token"] = token
        for posts, includes in reversed(pages):  # oldest first
            users = _by_key(includes.get("users"), "id")
            media = _by_key(includes.get("media"), "media_key")
            for post in reversed(posts):
                item = self.item(post, users, media)
                (batch.rejected if isinstance(item, RejectedInput) else batch.items).append(item)  # type: ignore[arg-type]
        numeric = newest is not None and newest.isascii() and newest.isdigit()
        if numeric and newest is not None and (since is None or _decimal_key(newest) > _decimal_key(since)):
            self._since[query] = newest

    def item(
        self, post: Any, users: dict[str, dict[str, Any]], media: dict[str, dict[str, Any]]
    ) -> CollectedItem | RejectedInput:
        """A post object as an item, or a rejection saying what is wrong with it."""
        try:
            post_id = payload.identifier(post["id"], "post id")
            note = post.get("note_tweet")
            text = (payload.text(note.get("text")) if isinstance(note, dict) else None) or payload.text(post["text"])
            if text is None:
                raise ValueError("post without text")
            published = datetime.fromisoformat(str(payload.text(post["created_at"])))
            if published.tzinfo is None:
                raise ValueError("created_at without a zone")
            author_id = payload.text(post.get("author_id"))
            author = users.get(author_id or "", {})
            username = payload.text(author.get("username"))
            metrics = _dict(post.get("public_metrics"))
            user_metrics = _dict(author.get("public_metrics"))
            parent = quoted = None
            for ref in _list(post.get("referenced_tweets")):
                if isinstance(ref, dict) and ref.get("type") == "replied_to":
                    parent = payload.identifier(ref.get("id"), "replied_to id")
                elif isinstance(ref, dict) and ref.get("type") == "quoted":
                    quoted = payload.identifier(ref.get("id"), "quoted id")
            keys = _list(_dict(post.get("attachments")).get("media_keys"))
            alt = [payload.text(media.get(str(k), {}).get("alt_text")) for k in keys]
            lines = [text, *(a for a in alt if a)]
            extra: dict[str, str | int | float | bool | None] = {}
            for name, value in (
                ("conversation_id", payload.text(post.get("conversation_id"))),
                ("quote_count", payload.count(metrics.get("quote_count"))),
                ("bookmark_count", payload.count(metrics.get("bookmark_count"))),
                ("link_url", _first_link(post)),
            ):
                if value is not None:
                    extra[name] = value
            lang = payload.text(post.get("lang"))
            return CollectedItem(
                kind="x",
                instance=INSTANCE,
                native_id=post_id,
                text="\n".join(line.strip() for line in lines if line.strip()),
                url=f"https://x.com/{username or 'i/web'}/status/{post_id}",
                published_at=published,
                language=None if lang is None or lang in NO_LANGUAGE else lang,
                author_id=author_id,
                author_handle=username,
                author_name=payload.text(author.get("name")),
                author_followers=payload.count(user_metrics.get("followers_count")),
                likes=payload.count(metrics.get("like_count")) or 0,
                shares=payload.count(metrics.get("retweet_count")) or 0,
                replies=payload.count(metrics.get("reply_count")) or 0,
                views=payload.count(metrics.get("impression_count")),
                parent_id=parent,
                quoted_id=quoted,
                extra=extra,
            )
        except Exception as exc:  # a bad post fails only itself
            return payload.invalid(self.kind, INSTANCE, "post", post, exc)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _by_key(values: Any, key: str) -> dict[str, dict[str, Any]]:
    if not isinstance(values, list):
        return {}
    return {str(v[key]): v for v in values if isinstance(v, dict) and isinstance(v.get(key), str)}


def _first_link(post: dict[str, Any]) -> str | None:
    for entry in _list(_dict(post.get("entities")).get("urls")):
        link = payload.text(entry.get("expanded_url")) if isinstance(entry, dict) else None
        if link and not link.startswith(("https://x.com/", "https://twitter.com/")):
            return link
    return None
