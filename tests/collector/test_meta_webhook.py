"""The Meta webhook on 127.0.0.1: subscription check, X-Hub-Signature-256 verified before parsing, page feed
and Instagram comment and mention events turned into mentions with the polling sources' ids.

Payloads as Meta documents them (https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed,
https://developers.facebook.com/docs/instagram-platform/webhooks/examples): ``{"object": "page", "entry": [{"id",
"time", "changes": [{"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id", "post_id",
"parent_id", "message", "created_time", "from": {"id", "name"}}}]}]}``."""

from __future__ import annotations

import json
from typing import Any

import httpx
from aiohttp import web

from vigie.collector.items import CollectedItem, RejectedInput
from vigie.collector.meta_webhook import PATH, MetaWebhook, hub_signature

SECRET = b"app-secret-123"
PAGE, IG = "104857600", "17841400000000001"


def page_event(*values: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [{"id": PAGE, "time": 1_795_770_000, "changes": [{"field": "feed", "value": v} for v in values]}],
    }


def feed(item: str, verb: str = "add", **more: Any) -> dict[str, Any]:
    return {
        "item": item,
        "verb": verb,
        "post_id": f"{PAGE}_1",
        "created_time": 1_795_770_000,
        "from": {"id": "42", "name": "Lou"},
        **more,
    }


async def start(serve, make_pipeline) -> tuple[str, MetaWebhook]:
    async def read_mention(ig_user_id: str, media_id: str, comment_id: str | None) -> CollectedItem | RejectedInput:
        from datetime import UTC, datetime

        return CollectedItem(
            kind="instagram",
            instance=ig_user_id,
            native_id=media_id,
            text="Merci @villedesaintmalo",
            published_at=datetime(2026, 11, 27, 7, tzinfo=UTC),
            preset_territories=("saint-malo",),
        )

    pipeline = make_pipeline()
    hook = MetaWebhook(
        pipeline,
        pipeline.metrics,
        app_secret=SECRET,
        verify_token="verify-me",
        pages={PAGE: "saint-malo"},
        instagram_accounts={IG: "saint-malo"},
        read_mention=read_mention,
    )
    app = web.Application()
    app.add_routes(hook.add_routes(web.RouteTableDef()))
    return await serve(app) + PATH, hook


async def post(url: str, body: dict[str, Any] | bytes, signature: str | None = "auto") -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        headers["X-Hub-Signature-256"] = hub_signature(raw, SECRET)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=raw, headers=headers)


async def test_subscription_check_echoes_the_challenge_only_with_the_verify_token(serve, make_pipeline) -> None:
    url, _ = await start(serve, make_pipeline)
    async with httpx.AsyncClient() as client:
        ok = await client.get(
            url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
        )
        wrong = await client.get(
            url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
        )
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert wrong.status_code == 403


async def test_signature_is_required_and_checked_before_parsing(serve, make_pipeline, sink) -> None:
    url, _ = await start(serve, make_pipeline)
    event = page_event(feed("comment", comment_id="c1", parent_id=f"{PAGE}_1", message="Honteux"))
    assert (await post(url, event, signature=None)).status_code == 401
    assert (await post(url, event, signature="sha256=" + "0" * 64)).status_code == 403
    assert (await post(url, b"{not json", signature="sha256=00")).status_code == 403
    assert sink.records == []


async def test_feed_comments_replies_and_posts_become_mentions_others_are_ignored(serve, make_pipeline, sink) -> None:
    url, _ = await start(serve, make_pipeline)
    event = page_event(
        feed("comment", comment_id="c1", parent_id=f"{PAGE}_1", message="La plage est sale, honteux"),
        feed("comment", comment_id="c2", parent_id="c1", message="Tout à fait"),
        feed("status", message="Visiteur : la navette ne passe plus"),
        feed("reaction", reaction_type="like"),
        feed("comment", verb="remove", comment_id="c0"),
        {"item": "comment", "verb": "add", "comment_id": "c9"},  # malformed: no post_id nor time
    )
    answer = await post(url, event)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"emitted": 3, "duplicates": 0, "deadlettered": 1, "ignored": 2}
    mentions = {m.native_id: m for m in sink.mentions()}
    assert mentions["c1"].mention_id == f"facebook:{PAGE}:c1" and mentions["c1"].parent_id == f"{PAGE}_1"
    assert mentions["c2"].parent_id == "c1" and mentions[f"{PAGE}_1"].parent_id is None
    assert {m.territory_id for m in mentions.values()} == {"saint-malo"}
    assert (await post(url, event)).json()["duplicates"] == 3  # Meta resends: nothing emitted twice


async def test_instagram_comments_and_mentions(serve, make_pipeline, sink) -> None:
    url, _ = await start(serve, make_pipeline)
    event = {
        "object": "instagram",
        "entry": [
            {
                "id": IG,
                "time": 1_795_770_000,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": "k7",
                            "text": "Quelle honte",
                            "from": {"id": "9", "username": "alice"},
                            "media": {"id": "m1", "media_product_type": "FEED"},
                        },
                    },
                    {"field": "mentions", "value": {"media_id": "x9"}},
                ],
            },
            {"id": "999", "time": 1_795_770_000, "changes": [{"field": "comments", "value": {"id": "z"}}]},  # not ours
        ],
    }
    answer = await post(url, event)
    assert answer.json() == {"emitted": 2, "duplicates": 0, "deadlettered": 0, "ignored": 1}
    mentions = {m.native_id: m for m in sink.mentions()}
    assert mentions["k7"].parent_id == "m1" and mentions["k7"].mention_id == f"instagram:{IG}:k7"
    assert mentions["x9"].source.kind == "instagram"


async def test_a_signed_body_that_is_not_a_notification_is_dead_lettered(serve, make_pipeline, sink) -> None:
    url, _ = await start(serve, make_pipeline)
    answer = await post(url, b"[1, 2]")
    assert answer.status_code == 200 and answer.json()["deadlettered"] == 1
    assert "not a Meta notification" in sink.dead_letters()[0].reason


async def test_the_service_serves_the_meta_webhook_beside_the_ingest_webhook(territories, sink, tmp_path) -> None:
    import asyncio

    from vigie.collector.service import CollectorService
    from vigie.collector.settings import CollectorSettings, SourcesConfig

    settings = CollectorSettings(
        state_dir=tmp_path / "state",
        webhook_token="ingest-token",
        meta_app_secret=SECRET.decode(),
        meta_verify_token="verify-me",
    )
    sources = SourcesConfig.model_validate(
        {
            "meta": {"webhook": True, "pages": [{"page_id": PAGE, "territory": "saint-malo"}]},
            "webhook": {"enabled": True},
        }
    )
    service = CollectorService(settings, sources, territories, sink=sink)
    task = asyncio.create_task(service.run())
    try:
        for _ in range(500):
            if service.readiness() is None:
                break
            await asyncio.sleep(0.02)
        assert service.ops is not None
        url = f"{service.ops.url}{PATH}"
        async with httpx.AsyncClient() as client:
            check = await client.get(
                url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
            )
            ingest = await client.post(f"{service.ops.url}/v1/mentions", json={"id": "1", "text": "x"})
        assert check.text == "42" and ingest.status_code == 401  # both routes served, each with its credentials
        answer = await post(url, page_event(feed("comment", comment_id="c1", parent_id=f"{PAGE}_1", message="Sale")))
        assert answer.json()["emitted"] == 1 and sink.mentions()[0].parent_id == f"{PAGE}_1"
    finally:
        service.stop.set()
        assert await task == 0
