"""Meta webhooks (Facebook page ``feed``, Instagram ``comments`` and ``mentions``), served beside the ingest
webhook on ``/v1/meta/webhook``: comments arrive within seconds instead of at the next poll.

* ``GET`` — subscription check (https://developers.facebook.com/docs/graph-api/webhooks/getting-started):
  ``hub.mode=subscribe`` and ``hub.verify_token`` equal to the configured token (compared in constant time)
  → 200 with ``hub.challenge`` echoed as plain text; anything else → 403.
* ``POST`` — event notifications, signed ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with
  the app secret>``, checked in constant time before anything is parsed (missing → 401, wrong → 403). Body:
  ``{"object": "page"|"instagram", "entry": [{"id", "time", "changes": [{"field", "value"}]}]}``.

What becomes a mention, with the same mention ids as polling (so the two deduplicate):

* page ``feed`` with ``verb`` ``add`` or ``edited`` and ``item`` ``comment`` (``comment_id``, ``parent_id``: the
  post or the comment answered), ``post``, ``status``, ``photo``, ``video`` or ``share`` (``post_id``);
  reactions, likes and removals are not mentions and are ignored;
* Instagram ``comments`` and ``live_comments`` (``id``, ``text``, ``from``, ``media.id``, ``parent_id``; the
  entry's ``time`` is the publication time);
* Instagram ``mentions`` (``media_id`` and maybe ``comment_id`` only): read from the Graph API with the
  account's token (:meth:`~vigie.collector.sources.instagram.InstagramAccountSource.mentioned`).

Entries of pages or accounts that are not configured are ignored (counted in the answer). A change that is
malformed is dead-lettered alone; the answer is 200 so that Meta does not resend what cannot succeed. When the
broker (or the Graph API, for a mention) does not answer, the answer is 503 and Meta retries the delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from vigie.collector.errors import FetchError, SinkError
from vigie.collector.items import Batch, CollectedItem, RejectedInput
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.sources import payload
from vigie.collector.sources.graph_api import graph_time
from vigie.collector.webhook import read_bounded_body
from vigie.schemas import SourceKind

log = logging.getLogger(__name__)

PATH = "/v1/meta/webhook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
FEED_ITEMS = frozenset({"comment", "post", "status", "photo", "video", "share"})
FEED_VERBS = frozenset({"add", "edited"})
#: Reads the media or comment an Instagram account was @mentioned in: (ig user id, media id, comment id).
MentionReader = Callable[[str, str, str | None], Awaitable[CollectedItem | RejectedInput]]


def hub_signature(body: bytes, app_secret: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret, body, hashlib.sha256).hexdigest()


@dataclass
class Conversion:
    """What the changes of one notification became."""

    items: list[CollectedItem] = field(default_factory=list)
    rejected: list[RejectedInput] = field(default_factory=list)
    ignored: int = 0


class MetaWebhook:
    """The Meta webhook endpoint for the configured pages and Instagram accounts (see the module docstring)."""

    def __init__(
        self,
        pipeline: MentionPipeline,
        metrics: CollectorMetrics,
        *,
        app_secret: bytes,
        verify_token: str,
        pages: dict[str, str],
        instagram_accounts: dict[str, str],
        read_mention: MentionReader | None = None,
        max_body_bytes: int = 1024 * 1024,
    ) -> None:
        """``pages`` and ``instagram_accounts``: page id / Instagram user id → territory id."""
        if not app_secret or not verify_token:
            raise ValueError("the Meta webhook needs the app secret and a verify token")
        self.pipeline = pipeline
        self.metrics = metrics
        self._secret = app_secret
        self._verify_token = verify_token.encode("utf-8")
        self.pages = pages
        self.instagram_accounts = instagram_accounts
        self.read_mention = read_mention
        self.max_body_bytes = max_body_bytes

    def __repr__(self) -> str:
        return "MetaWebhook(app_secret=***, verify_token=***)"

    def add_routes(self, routes: web.RouteTableDef) -> web.RouteTableDef:
        routes.get(PATH)(self.verify)
        routes.post(PATH)(self.handle)
        return routes

    def _answer(self, status: int, body: dict[str, Any]) -> web.Response:
        self.metrics.webhook_requests.labels(str(status)).inc()
        return web.json_response(body, status=status)

    async def verify(self, request: web.Request) -> web.Response:
        mode = request.query.get("hub.mode")
        token = request.query.get("hub.verify_token", "")
        challenge = request.query.get("hub.challenge", "")
        accepted = hmac.compare_digest(token.encode("utf-8", errors="replace"), self._verify_token)
        if mode != "subscribe" or not accepted or not challenge or len(challenge) > 256 or not challenge.isprintable():
            log.warning("Meta webhook verification refused", extra={"remote": request.remote})
            return self._answer(403, {"error": "verification refused"})
        self.metrics.webhook_requests.labels("200").inc()
        return web.Response(text=challenge, content_type="text/plain")

    async def _read(self, request: web.Request) -> bytes | None:
        return await read_bounded_body(request, self.max_body_bytes)

    async def handle(self, request: web.Request) -> web.Response:
        body = await self._read(request)
        if body is None:
            return self._answer(413, {"error": f"body larger than {self.max_body_bytes} bytes"})
        signature = request.headers.get(SIGNATURE_HEADER)
        if signature is None:
            return self._answer(401, {"error": f"{SIGNATURE_HEADER} required"})
        expected = hub_signature(body, self._secret).encode("ascii")
        if not hmac.compare_digest(signature.strip().encode("utf-8", errors="replace"), expected):
            log.warning("Meta webhook request with an invalid signature", extra={"remote": request.remote})
            return self._answer(403, {"error": "invalid signature"})
        try:
            conversion = await self.convert(body)
            report = await self.pipeline.process(Batch(items=conversion.items, rejected=conversion.rejected))
        except (SinkError, FetchError) as exc:
            log.error("Meta webhook delivery not acknowledged", extra={"error": str(exc)})
            return self._answer(503, {"error": "not acknowledged, resend later"})
        for kind in {item.kind for item in conversion.items}:
            self.metrics.last_success.labels(kind).set(self.pipeline.clock.time())
        return self._answer(
            200,
            {
                "emitted": report.emitted,
                "duplicates": report.duplicates,
                "deadlettered": report.deadlettered,
                "ignored": conversion.ignored,
            },
        )

    async def convert(self, body: bytes) -> Conversion:
        """The mentions of a notification body; a malformed body or change is a rejection, never an error.

        :class:`FetchError` when a mention could not be read from the Graph API."""
        out = Conversion()
        try:
            data = payload.loads(body)
            kind: SourceKind = "instagram" if data.get("object") == "instagram" else "facebook"
            entries = data["entry"]
            if data.get("object") not in ("page", "instagram") or not isinstance(entries, list):
                raise ValueError(f"object {str(data.get('object'))[:40]!r} with entries {type(entries).__name__}")
        except Exception as exc:
            reason = f"not a Meta notification: {type(exc).__name__}: {str(exc)[:300]}"
            out.rejected.append(RejectedInput("facebook", "webhook", "validation", reason, body[:4096]))
            return out
        for entry in entries:
            for change in entry.get("changes", []) if isinstance(entry, dict) else [None]:
                try:
                    await self._change(kind, entry, change, out)
                except FetchError:
                    raise
                except Exception as exc:  # a malformed change fails only itself
                    reason = f"invalid {kind} webhook change: {type(exc).__name__}: {str(exc)[:300]}"
                    instance = str(entry.get("id"))[:64] if isinstance(entry, dict) else "webhook"
                    out.rejected.append(RejectedInput(kind, instance, "validation", reason, payload.preview(change)))
        return out

    async def _change(self, kind: SourceKind, entry: dict[str, Any], change: Any, out: Conversion) -> None:
        owner = payload.identifier(entry["id"], "entry id")
        territories = self.pages if kind == "facebook" else self.instagram_accounts
        territory = territories.get(owner)
        field_name, value = change["field"], change["value"]
        if territory is None:
            out.ignored += 1
            return
        if kind == "facebook":
            item = self._feed(owner, territory, field_name, value) if field_name == "feed" else None
        elif field_name in ("comments", "live_comments"):
            item = self._instagram_comment(owner, territory, value, entry)
        elif field_name == "mentions" and self.read_mention is not None:
            media_id = payload.identifier(value["media_id"], "media_id")
            comment = value.get("comment_id")
            got = await self.read_mention(
                owner, media_id, payload.identifier(comment, "comment_id") if comment else None
            )
            if isinstance(got, RejectedInput):
                out.rejected.append(got)
                return
            item = got
        else:
            item = None
        if item is None:
            out.ignored += 1
        else:
            out.items.append(item)

    @staticmethod
    def _feed(page_id: str, territory: str, field_name: str, value: dict[str, Any]) -> CollectedItem | None:
        item_type, verb = value.get("item"), value.get("verb")
        if item_type not in FEED_ITEMS or verb not in FEED_VERBS:
            return None
        author = value.get("from")
        author = author if isinstance(author, dict) else {}
        post_id = payload.identifier(value["post_id"], "post_id")
        is_comment = item_type == "comment"
        parent = value.get("parent_id") if is_comment else None
        extra: dict[str, str | int | float | bool | None] = {"post_id": post_id, "via": "webhook"}
        if verb == "edited":
            extra["edited"] = True
        post = value.get("post")
        url = payload.text(post.get("permalink_url")) if isinstance(post, dict) and not is_comment else None
        return CollectedItem(
            kind="facebook",
            instance=page_id,
            native_id=payload.identifier(value["comment_id"], "comment_id") if is_comment else post_id,
            text=(payload.text(value.get("message")) or "").strip(),
            url=url or payload.text(value.get("link")),
            published_at=graph_time(value["created_time"]),
            author_id=payload.identifier(author["id"], "from.id") if author.get("id") is not None else None,
            author_name=payload.text(author.get("name")),
            parent_id=payload.identifier(parent, "parent_id") if parent else (post_id if is_comment else None),
            preset_territories=(territory,),
            extra=extra,
        )

    @staticmethod
    def _instagram_comment(ig_user_id: str, territory: str, value: Any, entry: dict[str, Any]) -> CollectedItem:
        author = value.get("from")
        author = author if isinstance(author, dict) else {}
        media = value.get("media")
        media_id = payload.identifier(media["id"], "media.id") if isinstance(media, dict) else None
        parent = value.get("parent_id")
        return CollectedItem(
            kind="instagram",
            instance=ig_user_id,
            native_id=payload.identifier(value["id"], "comment id"),
            text=(payload.text(value.get("text")) or "").strip(),
            published_at=graph_time(entry["time"]),
            author_id=payload.identifier(author["id"], "from.id") if author.get("id") is not None else None,
            author_handle=payload.text(author.get("username")),
            parent_id=payload.identifier(parent, "parent_id") if parent else media_id,
            preset_territories=(territory,),
            extra={"media_id": media_id, "via": "webhook"},
        )
