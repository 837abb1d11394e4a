"""Google Business Profile: reviews of the places a territory manages (beaches, museums, tourist offices).

``GET https://mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/reviews?orderBy=updateTime desc``
(https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list), following
``nextPageToken`` until a page reaches reviews older than the location's cursor (the newest ``updateTime``
emitted). The response is ``{"reviews": [Review], "averageRating", "totalReviewCount", "nextPageToken"}``; a
Review is ``{"name", "reviewId", "reviewer": {"displayName", "profilePhotoUrl", "isAnonymous"}, "starRating":
"ONE".."FIVE", "comment", "createTime", "updateTime", "reviewReply": {"comment", "updateTime"}}``.

What a review becomes:

* ``rating``: ``starRating`` ONE..FIVE → 1..5 (``STAR_RATING_UNSPECIFIED`` or anything else: dead letter);
* ``text``: the comment. **A rating-only review has no comment and becomes a mention with empty text**: the
  classifier reads its sentiment from the rating (:mod:`vigie.classifier.rating`), no placeholder words are
  invented that sentiment models or term extraction would read. Google's automatic translation
  ("(Translated by Google) …(Original) …") is reduced to the original;
* ``title``: the place's label from the configuration; ``published_at``: ``createTime``;
* the owner's answer (``reviewReply``) in ``extra`` (``reply`` and ``reply_time``), ``replies`` = 1 if any.
* one mention per review: an edited review (new ``updateTime``) is read again but not emitted again.

Authorisation: an OAuth 2.0 access token with the ``business.manage`` scope, refreshed from a refresh token
(``POST https://oauth2.googleapis.com/token``, ``grant_type=refresh_token``) before it expires and once when
the API answers 401; a refused refresh, or a 401 with a static token, is a clear ``auth`` error.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from vigie.collector.errors import FetchError
from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.sources import payload
from vigie.collector.sources.base import PollingSource
from vigie.collector.sources.graph_api import graph_time
from vigie.collector.sources.http_fetch import fetch, oauth_access_token
from vigie.collector.sources.time_cursor import TimeCursor
from vigie.runtime.clock import Clock

API_URL = "https://mybusiness.googleapis.com/v4"
TOKEN_URL = "https://oauth2.googleapis.com/token"
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
_TRANSLATED = re.compile(r"\(Translated by Google\).*?\(Original\)\s*", re.DOTALL)
_LOCATION = re.compile(r"^accounts/[A-Za-z0-9_-]{1,64}/locations/[A-Za-z0-9_-]{1,64}$")


def original_text(comment: str) -> str:
    """The reviewer's own words of a comment Google translated (``(Translated by Google) … (Original) …``)."""
    return _TRANSLATED.sub("", comment).strip()


class GoogleReviewsSource(PollingSource):
    """Reviews of the places of one Google account (see the module docstring)."""

    kind = "google_reviews"

    def __init__(
        self,
        client: httpx.AsyncClient,
        clock: Clock,
        *,
        locations: dict[str, tuple[str, str]],
        access_token: str | None = None,
        refresh: tuple[str, str, str] | None = None,
        interval_s: float = 900.0,
        api_url: str = API_URL,
        token_url: str = TOKEN_URL,
        page_size: int = 50,
        max_pages: int = 20,
        name: str = "google_reviews",
    ) -> None:
        """``locations``: location resource name (``accounts/…/locations/…``) → (territory id, place label).
        ``refresh``: (client id, client secret, refresh token); else ``access_token`` is used as it is."""
        super().__init__(clock, interval_s)
        for location in locations:
            if not _LOCATION.match(location):
                raise ValueError(f"not a location resource name: {location[:100]!r}")
        if access_token is None and refresh is None:
            raise ValueError("Google reviews need an access token or a refresh token")
        self.client = client
        self.locations = locations
        self._token = access_token
        self._token_expires = float("inf") if refresh is None else 0.0
        self._refresh = refresh
        self.api_url = api_url.rstrip("/")
        self.token_url = token_url
        self.page_size = page_size
        self.max_pages = max_pages
        self.name = name
        self.cursor = TimeCursor()

    def __repr__(self) -> str:
        return f"GoogleReviewsSource(name={self.name!r}, token=***)"

    def restore(self, cursor: Cursor | None) -> None:
        self.cursor.restore((cursor or {}).get("newest"))

    async def _authorise(self) -> str:
        if self._token is not None and self.clock.time() < self._token_expires - 60:
            return self._token
        if self._refresh is None:
            raise FetchError("auth", f"{self.name}: the access token was refused and there is no refresh token")
        client_id, client_secret, refresh_token = self._refresh
        form = {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        }
        response, body = await fetch(
            self.client, "POST", self.token_url, data=form, ok_statuses=(200, 400, 401), clock=self.clock
        )
        if response.status_code != 200:
            raise FetchError(
                "auth",
                f"{self.name}: the OAuth refresh token was refused (HTTP {response.status_code}): authorise Vigie "
                "again for the Google account with the business.manage scope and update the secret",
            )
        token, expires_in = oauth_access_token(body)
        self._token, self._token_expires = token, self.clock.time() + expires_in
        return token

    async def _page(self, location: str, page_token: str | None) -> dict[str, Any]:
        params = {"pageSize": str(self.page_size), "orderBy": "updateTime desc"}
        if page_token:
            params["pageToken"] = page_token
        url = f"{self.api_url}/{location}/reviews"
        for attempt in (1, 2):
            token = await self._authorise()
            try:
                _, body = await fetch(
                    self.client,
                    "GET",
                    url,
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                    clock=self.clock,
                )
            except FetchError as exc:
                if exc.reason == "http_401":
                    if attempt == 1 and self._refresh is not None:
                        self._token = None
                        continue
                    raise FetchError(
                        "auth",
                        f"{self.name} {location}: HTTP 401 — the OAuth token is expired or lacks the business.manage "
                        "scope: authorise Vigie again for the Google account and update the secret",
                    ) from None
                if exc.reason == "http_403":
                    raise FetchError(
                        "auth", f"{self.name} {location}: HTTP 403 — the account does not manage this location"
                    ) from None
                raise
            break
        try:
            data = payload.loads(body)
        except ValueError as exc:
            raise FetchError("parse", f"{url}: answer is not JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("reviews", []), list):
            raise FetchError("parse", f"{url}: answer is not a list of reviews")
        return data

    async def poll(self) -> Batch:
        batch = Batch()
        for location, (territory, label) in self.locations.items():
            await self._read_location(batch, location, territory, label)
        batch.cursor = {"newest": self.cursor.saved()}
        return batch

    async def _read_location(self, batch: Batch, location: str, territory: str, label: str) -> None:
        taken: list[tuple[float, CollectedItem]] = []
        page_token: str | None = None
        for _ in range(self.max_pages):
            data = await self._page(location, page_token)
            reached_old = False
            for raw in data.get("reviews", []):
                item = self.item(raw, location, territory, label)
                if isinstance(item, RejectedInput):
                    batch.rejected.append(item)
                    continue
                updated = graph_time(raw["updateTime"]).timestamp()  # checked by item()
                if self.cursor.is_old(location, updated):
                    reached_old = True
                    continue
                taken.append((updated, item))
            page_token = payload.text(data.get("nextPageToken"))
            if reached_old or not page_token:
                break
        taken.reverse()
        batch.items.extend(item for _, item in taken)
        now = self.clock.time()
        for updated, _ in taken:
            self.cursor.advance(location, updated, now)

    def item(self, raw: Any, location: str, territory: str, label: str) -> CollectedItem | RejectedInput:
        """A review as an item (see the module docstring), or a rejection saying what is wrong with it."""
        try:
            stars = raw.get("starRating")
            if stars not in STARS:
                raise ValueError(f"starRating {str(stars)[:40]!r} is not ONE..FIVE")
            graph_time(raw["updateTime"])
            reviewer = raw.get("reviewer")
            reviewer = reviewer if isinstance(reviewer, dict) else {}
            anonymous = reviewer.get("isAnonymous") is True
            reply = raw.get("reviewReply")
            extra: dict[str, str | int | float | bool | None] = {"place": label[:256]}
            if isinstance(reply, dict) and payload.text(reply.get("comment")):
                extra["reply"] = payload.text(reply.get("comment"))
                extra["reply_time"] = payload.text(reply.get("updateTime"))
            comment = original_text(payload.text(raw.get("comment")) or "")
            if not comment:
                extra["rating_only"] = True
            review_id = payload.identifier(raw.get("reviewId") or str(raw["name"]).rsplit("/", 1)[-1], "reviewId")
            return CollectedItem(
                kind="google_reviews",
                instance=location,
                native_id=review_id,
                text=comment,
                title=label or None,
                published_at=graph_time(raw.get("createTime") or raw["updateTime"]),
                author_name=None if anonymous else payload.text(reviewer.get("displayName")),
                replies=1 if "reply" in extra else 0,
                rating=float(STARS[stars]),
                preset_territories=(territory,),
                extra=extra,
            )
        except Exception as exc:  # a bad review fails only itself
            return payload.invalid(self.kind, location, "review", raw, exc)
