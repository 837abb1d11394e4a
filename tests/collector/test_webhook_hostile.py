"""Hostile webhook requests over HTTP on 127.0.0.1: every malformed body is a 400 with a dead letter, a request
is accepted or rejected whole (nothing claimed before acceptance), and signed requests are time-bounded."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from vigie.collector.webhook import PATH, WebhookIngest, sign, signed_headers
from vigie.runtime.health import build_app

TOKEN = "integrator-token-123"
SECRET = b"hmac-shared-secret"
MENTION = {"id": "n1", "text": "Tempête sur St-Malo, la digue est fermée", "published_at": "2026-11-27T07:00:00Z"}
OTHER = {"id": "n2", "text": "Lyon : grève des bus ce matin", "published_at": "2026-11-27T07:10:00Z"}


@pytest.fixture
async def start_webhook(serve, make_pipeline, metrics, registry):
    """``await start_webhook()``: a webhook on 127.0.0.1 with a fresh pipeline (a restarted collector without
    state: an empty dedup memory), and an HTTP client for it."""
    clients: list[httpx.AsyncClient] = []

    async def start() -> httpx.AsyncClient:
        ingest = WebhookIngest(make_pipeline(), metrics, token=TOKEN, hmac_secret=SECRET, max_body_bytes=256 * 1024)
        base = await serve(build_app(registry, lambda: None, ingest.routes()))
        client = httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10.0))
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 2000, "nesting deeper than 200 levels"),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, "nesting deeper than 200 levels"),
        (b"[" * 100_000 + b"]" * 100_000, "nesting deeper than 200 levels"),
        (json.dumps(MENTION).encode()[:-1] + b', "likes": ' + b"9" * 5000 + b"}", "more than 4300 digits"),
        (json.dumps(MENTION).encode()[:-1] + b', "extra": {"n": NaN}}', "not JSON"),
        (json.dumps(MENTION).encode()[:-1] + b', "extra": {"n": 1e400}}', "extra.n"),
        (json.dumps({**MENTION, "text": "\ud800 Tempête"}).encode(), "lone surrogate"),  # written as \\ud800
    ],
)
async def test_malformed_bodies_get_400_and_a_dead_letter_never_500(start_webhook, sink, body, reason) -> None:
    """Before: 500 without a dead letter (RecursionError, ValueError of the int-str limit, unencodable text)."""
    webhook = await start_webhook()
    response = await webhook.post(PATH, content=body, headers=bearer())
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert sink.mentions() == []
    (letter,) = sink.dead_letters()
    assert reason in letter.reason


async def test_a_lone_surrogate_rejects_the_batch_and_leaves_the_valid_mention_free(start_webhook, sink) -> None:
    """Before: 500 after the ids were claimed, so the valid mention was refused forever as a duplicate."""
    webhook = await start_webhook()
    poisoned = {**OTHER, "id": "n3", "text": "\ud800 Lyon"}
    body = json.dumps([MENTION, poisoned]).encode()  # ensure_ascii writes the lone surrogate as \\ud800
    rejected = await webhook.post(PATH, content=body, headers=bearer())
    assert rejected.status_code == 400 and sink.mentions() == []
    resent = await webhook.post(PATH, content=json.dumps([MENTION]), headers=bearer())
    assert resent.status_code == 202
    assert resent.json() == {"accepted": 1, "emitted": 1, "duplicates": 0, "unmatched": 0}


async def test_a_65_character_extra_key_rejects_the_whole_request(start_webhook, sink) -> None:
    """Before: 202 "accepted" while the mention was dead-lettered by the pipeline."""
    webhook = await start_webhook()
    body = json.dumps([OTHER, {**MENTION, "extra": {"k" * 65: 1}}]).encode()
    response = await webhook.post(PATH, content=body, headers=bearer())
    assert response.status_code == 400
    assert response.json()["error"].startswith("mentions[1]: extra.")
    assert sink.mentions() == []
    assert len(sink.dead_letters()) == 1
    again = await webhook.post(PATH, content=json.dumps([OTHER]), headers=bearer())
    assert again.json()["emitted"] == 1


@pytest.mark.parametrize(
    ("published_at", "clamped"),
    [
        ("0001-01-01T00:00:00+14:00", True),  # its conversion to UTC overflows
        ("2099-01-01T00:00:00Z", True),
        ("1970-01-01T00:00:00Z", True),  # before the year-2000 floor
        ("2026-11-27T08:04:59Z", False),  # within the 300 s clock skew allowed
        ("2026-11-27T08:05:01Z", True),
    ],
)
async def test_out_of_range_dates_are_accepted_clamped_and_visible(
    start_webhook, sink, clock, sample, published_at, clamped
) -> None:
    webhook = await start_webhook()
    response = await webhook.post(PATH, content=json.dumps({**MENTION, "published_at": published_at}), headers=bearer())
    assert response.status_code == 202
    (mention,) = sink.mentions()
    if clamped:
        assert mention.published_at == mention.collected_at == clock.now()
        assert mention.published_at_claimed == published_at.replace("Z", "+00:00")
        assert sample("vigie_collector_dates_clamped_total", source="webhook") == 1
    else:
        assert mention.published_at_claimed is None and mention.published_at.isoformat().startswith(published_at[:19])


async def test_a_signed_request_replayed_after_the_tolerance_is_refused(start_webhook, sink, clock) -> None:
    """Before: the signature covered the body only; once the id left dedup memory (a restart without state,
    or 200,000 mentions later) the captured request was emitted again."""
    body = json.dumps(MENTION).encode()
    captured = signed_headers(body, SECRET, int(clock.time()))
    first = await (await start_webhook()).post(PATH, content=body, headers=captured)
    assert first.status_code == 202 and len(sink.mentions()) == 1
    clock.current += timedelta(seconds=301)
    replayed = await (await start_webhook()).post(PATH, content=body, headers=captured)
    assert replayed.status_code == 403
    assert "300 s" in replayed.json()["error"]
    assert len(sink.mentions()) == 1


async def test_a_retry_within_the_tolerance_is_accepted_and_deduplicated(start_webhook, sink, clock) -> None:
    webhook = await start_webhook()
    body = json.dumps(MENTION).encode()
    headers = signed_headers(body, SECRET, int(clock.time()))
    sink.fail_next = 1
    assert (await webhook.post(PATH, content=body, headers=headers)).status_code == 503
    clock.current += timedelta(seconds=30)
    retried = await webhook.post(PATH, content=body, headers=headers)
    assert retried.status_code == 202 and retried.json()["emitted"] == 1
    again = await webhook.post(PATH, content=body, headers=headers)
    assert again.json()["duplicates"] == 1 and len(sink.mentions()) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Vigie-Signature": "v1=" + "0" * 64}, 401),  # no timestamp
        ({"X-Vigie-Timestamp": "yesterday"}, 403),
        ({"X-Vigie-Timestamp": "9" * 5000}, 403),
        ({"X-Vigie-Timestamp": "1795766100"}, 403),  # 301 s before the clock (advanced by 1 s below)
    ],
)
async def test_signatures_without_a_valid_fresh_timestamp_are_refused(start_webhook, sink, clock, headers, status):
    webhook = await start_webhook()
    body = json.dumps(MENTION).encode()
    stamp = headers.get("X-Vigie-Timestamp", "0")
    valid_number = stamp.isdigit() and len(stamp) < 20
    signature = headers.get("X-Vigie-Signature") or sign(body, SECRET, int(stamp) if valid_number else 0)
    if stamp == "1795766100":
        clock.current += timedelta(seconds=1)  # now 301 s after the timestamp
    response = await webhook.post(PATH, content=body, headers={**headers, "X-Vigie-Signature": signature})
    assert response.status_code == status
    assert sink.records == []


async def test_the_body_only_signature_of_before_is_refused(start_webhook, sink) -> None:
    import hashlib
    import hmac

    webhook = await start_webhook()
    body = json.dumps(MENTION).encode()
    legacy = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    response = await webhook.post(PATH, content=body, headers={"X-Vigie-Signature": legacy})
    assert response.status_code in (401, 403)
    assert sink.records == []


async def test_an_invalid_mention_of_no_territory_still_rejects_the_request(start_webhook, sink) -> None:
    webhook = await start_webhook()
    body = json.dumps(
        [OTHER, {"id": "z", "text": "rien", "published_at": "2026-11-27T07:00:00Z", "extra": {"k" * 65: 1}}]
    )
    response = await webhook.post(PATH, content=body, headers=bearer())
    assert response.status_code == 400 and response.json()["error"].startswith("mentions[1]: extra.")
    assert sink.mentions() == []
