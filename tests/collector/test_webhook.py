"""The webhook endpoint hit over HTTP on 127.0.0.1: authentication, validation, size limit, broker failure."""

from __future__ import annotations

import json

import httpx
import pytest

from vigie.collector.webhook import PATH, WebhookIngest, sign, signed_headers
from vigie.runtime.health import build_app

TOKEN = "integrator-token-123"
SECRET = b"hmac-shared-secret"
MENTION = {"id": "n1", "text": "Tempête sur St-Malo, la digue est fermée", "published_at": "2026-11-27T07:00:00Z"}


@pytest.fixture
async def webhook(serve, make_pipeline, metrics, registry):
    ingest = WebhookIngest(make_pipeline(), metrics, token=TOKEN, hmac_secret=SECRET, max_body_bytes=256 * 1024)
    base = await serve(build_app(registry, lambda: None, ingest.routes()))
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10.0)) as client:
        yield client


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def test_bearer_token_batch_is_accepted_after_the_broker_acked(webhook, sink, sample) -> None:
    batch = [MENTION, {**MENTION, "id": "n2", "text": "Lyon : grève des bus"}, {**MENTION, "id": "n3", "text": "rien"}]
    response = await webhook.post(PATH, content=json.dumps({"mentions": batch}), headers=bearer())
    assert response.status_code == 202
    assert response.json() == {"accepted": 3, "emitted": 2, "duplicates": 0, "unmatched": 1}
    assert {m.mention_id for m in sink.mentions()} == {"webhook:webhook:n1", "webhook:webhook:n2"}
    assert sample("vigie_collector_webhook_requests_total", status="202") == 1
    again = await webhook.post(PATH, content=json.dumps(MENTION), headers=bearer())
    assert again.json()["duplicates"] == 1


async def test_hmac_signature_with_a_fresh_timestamp_is_accepted(webhook, sink, clock) -> None:
    body = json.dumps(MENTION).encode()
    headers = signed_headers(body, SECRET, int(clock.time()) - 299)  # within the 300 s tolerance
    response = await webhook.post(PATH, content=body, headers=headers)
    assert response.status_code == 202 and len(sink.mentions()) == 1
    assert headers["X-Vigie-Signature"] == sign(body, SECRET, int(clock.time()) - 299)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong-token"}, 403),
        ({"Authorization": f"Basic {TOKEN}"}, 403),
        ({"X-Vigie-Signature": "v1=" + "0" * 64, "X-Vigie-Timestamp": "1795766400"}, 403),
    ],
)
async def test_bad_credentials(webhook, sink, sample, headers, status) -> None:
    response = await webhook.post(PATH, content=json.dumps(MENTION), headers=headers)
    assert response.status_code == status
    assert sink.records == []
    assert sample("vigie_collector_webhook_requests_total", status=str(status)) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe garbage", "not UTF-8"),
        (b"[]", "no mention"),
        (json.dumps([MENTION, {"id": "x", "published_at": "2026-11-27T07:00:00Z"}]).encode(), "mentions[1]: text"),
        (json.dumps({**MENTION, "published_at": "yesterday"}).encode(), "published_at"),
        (b"42", "JSON object"),
    ],
)
async def test_invalid_payloads_get_400_with_the_reason_and_a_dead_letter(webhook, sink, sample, body, reason) -> None:
    response = await webhook.post(PATH, content=body, headers=bearer())
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert sink.mentions() == []
    (letter,) = sink.dead_letters()
    assert reason in letter.reason and letter.value_size == len(body)
    assert sample("vigie_collector_deadletters_total", reason="validation") == 1


async def test_ten_megabyte_body_gets_413(webhook, sink, sample) -> None:
    body = b'{"text": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = await webhook.post(PATH, content=body, headers=bearer())
    assert response.status_code == 413
    assert sample("vigie_collector_webhook_requests_total", status="413") == 1

    async def chunks():
        for _ in range(40):
            yield b"x" * 10_000

    streamed = await webhook.post(PATH, content=chunks(), headers=bearer())
    assert streamed.status_code == 413
    assert sink.records == []
    ok = await webhook.post(PATH, content=json.dumps(MENTION), headers=bearer())
    assert ok.status_code == 202


async def test_ops_routes_are_served_with_the_webhook(webhook) -> None:
    assert (await webhook.get("/healthz")).status_code == 200
    await webhook.post(PATH, content=b"{}", headers={})
    metrics_text = (await webhook.get("/metrics")).text
    assert 'vigie_collector_webhook_requests_total{status="401"} 1.0' in metrics_text


async def test_broker_failure_answers_503_and_the_resend_is_accepted(webhook, sink) -> None:
    sink.fail_next = 1
    failed = await webhook.post(PATH, content=json.dumps(MENTION), headers=bearer())
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "5"
    resent = await webhook.post(PATH, content=json.dumps(MENTION), headers=bearer())
    assert resent.status_code == 202 and resent.json()["emitted"] == 1


def test_the_endpoint_is_never_open(make_pipeline, metrics) -> None:
    with pytest.raises(ValueError, match="token or an HMAC secret"):
        WebhookIngest(make_pipeline(), metrics)
