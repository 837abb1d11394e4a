"""Reddit: new posts and comments of subreddits, and new posts of searches, with OAuth client credentials.

The source obtains an application token (``POST /api/v1/access_token``, HTTP basic auth with the client id
and secret, ``grant_type=client_credentials``), renews it before it expires or when a listing answers 401,
and reads listings on the OAuth host. The cursor is, per listing, the creation time of the newest item
emitted; older items are skipped and same-second items are left to dedup. ``X-Ratelimit-*`` are honoured.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from vigie.collector.errors import FetchError
from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.base import PollingSource
from vigie.collector.sources.http_fetch import fetch, oauth_access_token
from vigie.collector.sources.markdown_text import markdown_to_text
from vigie.collector.sources.rate_limit import RateLimitGate
from vigie.runtime.clock import Clock

#: How far ahead of our clock a listing item's creation time may move the cursor.
MAX_CURSOR_SKEW_S = 300.0
AUTH_URL = "https://www.reddit.com"
API_URL = "https://oauth.reddit.com"


class RedditSource(PollingSource):
    """Subreddits and searches read with one set of OAuth credentials."""

    kind = "reddit"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        client_id: str,
        client_secret: str,
        user_agent: str = "vigie-collector/0.1",
        subreddits: tuple[str, ...] = (),
        searches: tuple[str, ...] = (),
        include_comments: bool = True,
        interval_s: float = 120.0,
        auth_url: str = AUTH_URL,
        api_url: str = API_URL,
        limit: int = 100,
        name: str | None = None,
    ) -> None:
        super().__init__(clock, interval_s)
        self.client = client
        self._client_id = client_id
        self._client_secret = client_secret
        self.user_agent = user_agent
        self.subreddits = subreddits
        self.searches = searches
        self.include_comments = include_comments
        self.auth_url = auth_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.limit = limit
        self.name = name or "reddit"
        self.gate = RateLimitGate(clock)
        self._token: str | None = None
        self._token_expires = 0.0
        self._newest: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"RedditSource(name={self.name!r}, client_id=***)"

    def restore(self, cursor: Cursor | None) -> None:
        newest = (cursor or {}).get("newest", {})
        self._newest = {str(k): float(v) for k, v in newest.items()} if isinstance(newest, dict) else {}

    def listings(self) -> list[tuple[str, str, dict[str, str]]]:
        """``(cursor key, path, params)`` of every listing read per poll."""
        out: list[tuple[str, str, dict[str, str]]] = []
        for sub in self.subreddits:
            out.append((f"r/{sub}/new", f"/r/{quote(sub)}/new", {}))
            if self.include_comments:
                out.append((f"r/{sub}/comments", f"/r/{quote(sub)}/comments", {}))
        for query in self.searches:
            out.append((f"search:{query}", "/search", {"q": query, "sort": "new", "type": "link"}))
        return out

    async def _authorise(self) -> str:
        if self._token is not None and self.clock.time() < self._token_expires - 60:
            return self._token
        _, body = await fetch(
            self.client,
            "POST",
            f"{self.auth_url}/api/v1/access_token",
            data={"grant_type": "client_credentials"},
            auth=(self._client_id, self._client_secret),
            headers={"User-Agent": self.user_agent},
            clock=self.clock,
        )
        token, expires_in = oauth_access_token(body)
        self._token, self._token_expires = token, self.clock.time() + expires_in
        return token

    async def poll(self) -> Batch:
        batch = Batch()
        for key, path, params in self.listings():
            await self._read_listing(batch, key, path, params)
        batch.cursor = {"newest": dict(self._newest)}
        return batch

    async def _read_listing(self, batch: Batch, key: str, path: str, params: dict[str, str]) -> None:
        for attempt in (1, 2):
            await self.gate.wait()
            token = await self._authorise()
            headers = {"Authorization": f"bearer {token}", "User-Agent": self.user_agent}
            try:
                response, body = await fetch(
                    self.client,
                    "GET",
                    f"{self.api_url}{path}",
                    params={**params, "limit": str(self.limit), "raw_json": "1"},
                    headers=headers,
                    clock=self.clock,
                )
            except FetchError as exc:
                if exc.reason == "http_401" and attempt == 1:
                    self._token = None
                    continue
                raise
            self.gate.observe(response.headers)
            break
        try:
            children = payload.loads(body)["data"]["children"]
            if not isinstance(children, list):
                raise TypeError("children is not a list")
        except (ValueError, KeyError, TypeError) as exc:
            raise FetchError("parse", f"{path}: not a listing: {exc!r}") from None
        newest = self._newest.get(key)
        for child in reversed(children):
            item = self.item(child)
            if isinstance(item, RejectedInput):
                batch.rejected.append(item)
                continue
            created = item.published_at.timestamp()
            if newest is not None and created < self._newest.get(key, newest):
                continue
            batch.items.append(item)
            # a creation time in the future (beyond clock skew) must not carry the cursor past every real item
            if self._newest.get(key, float("-inf")) < created <= self.clock.time() + MAX_CURSOR_SKEW_S:
                self._newest[key] = created

    def item(self, child: Any) -> CollectedItem | RejectedInput:
        """A listing child as an item, or a rejection saying what is wrong with it (whatever it holds)."""
        try:
            data = child["data"]
            kind = child["kind"]
            published = datetime.fromtimestamp(float(data["created_utc"]), UTC)
            subreddit = payload.text(data.get("subreddit")) or "reddit"
            if kind == "t1":
                body, title = payload.text(data.get("body")), payload.text(data.get("link_title"))
            elif kind == "t3":
                body, title = payload.text(data.get("selftext")), payload.text(data.get("title"))
            else:
                raise ValueError(f"unexpected listing kind {str(kind)[:50]!r}")
            text = markdown_to_text(body or "")
            title = markdown_to_text(title) if title else None
            permalink = payload.text(data.get("permalink"))
            permalink_url = f"https://www.reddit.com{permalink}" if permalink else None
            link = payload.text(data.get("url")) if kind == "t3" and data.get("is_self") is False else None
            extra: dict[str, str | int | float | bool | None] = {}
            if permalink_url:
                extra["permalink"] = permalink_url
            if link:
                extra["link_url"] = link
            return CollectedItem(
                kind="reddit",
                instance=f"r/{subreddit}",
                native_id=payload.identifier(data["name"], "name"),
                text=text or (title or ""),
                title=title,
                url=link or permalink_url or payload.text(data.get("url")),
                published_at=published,
                author_handle=payload.text(data.get("author")),
                author_id=payload.text(data.get("author_fullname")),
                extra=extra,
                likes=payload.count(data.get("score")) or 0,
                replies=payload.count(data.get("num_comments")) or 0,
            )
        except Exception as exc:  # a bad listing item fails only itself
            return payload.invalid(self.kind, "reddit", "listing item", child, exc)
