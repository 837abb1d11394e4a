"""Untrusted text never reaches a protocol header raw, and a request that cannot be sent as it is fails at
once instead of being retried for hours: a CR/LF in an incident id, in a territory name; HTTP 4xx classes.
Real HTTP and SMTP servers on loopback, a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import httpx
import pytest

from tests.support.delivery_rig import Rig
from tests.support.notifier import HttpStandIn, SmtpServer, email_receiver, make_alert, routes
from vigie.notifier.errors import PermanentDeliveryError, RetryableDeliveryError
from vigie.notifier.integrations.base import post_json
from vigie.runtime.clock import FakeClock
from vigie.text.headers import header_token

HOSTILE_INCIDENT = "saint-malo:negative_surge:x\r\nX-Injected: yes\r\n\r\nbody"


def webhook_routes(url: str) -> object:
    return routes(
        "route: {receiver: hook, group_wait: 0s}\nreceivers:\n"
        f"  - name: hook\n    locale: en\n    webhook: {{url: '{url}/hook'}}\n"
    )


async def test_crlf_in_incident_id_is_delivered_with_an_encoded_idempotency_key(
    http_receiver: HttpStandIn,
) -> None:
    async with httpx.AsyncClient() as client:
        rig = Rig(webhook_routes(http_receiver.url), client)  # type: ignore[arg-type]
        rig.accept(make_alert(0, incident=HOSTILE_INCIDENT))
        await rig.drive(rig.clock.now() + timedelta(minutes=1))
    [hook] = http_receiver.posted("/hook")
    key = hook.headers["Idempotency-Key"]
    assert "\r" not in key and "\n" not in key and "X-Injected" not in hook.headers
    assert unquote(key) == hook.json()["id"] == f"hook:{HOSTILE_INCIDENT}:0"
    assert [r.outcome for r in rig.sink.receipts] == ["delivered"]
    assert rig.tracker.committable() == {("vigie.alerts.v1", 0): 1}


def test_header_tokens_keep_plain_ids_and_never_collide() -> None:
    plain = "hook:saint-malo:negative_surge:20261127T0800:0"
    assert header_token(plain) == plain
    hostile = ["a\r\nb", "a%0D%0Ab", "é", "a b", "a\x00", "\ud800"]
    tokens = [header_token(t) for t in hostile]
    assert len(set(tokens)) == len(hostile)
    assert all(t.isascii() and t.isprintable() and " " not in t for t in tokens)


async def test_a_request_that_cannot_be_sent_is_permanent_not_retried(http_receiver: HttpStandIn) -> None:
    async with httpx.AsyncClient() as client:
        for value in ("a\r\nX-Injected: 1", "non-ascii é"):
            with pytest.raises(PermanentDeliveryError, match="invalid request"):
                await post_json(
                    client,
                    f"{http_receiver.url}/hook",
                    "webhook",
                    clock=FakeClock(),
                    content=b"{}",
                    headers={"X": value},
                )
    assert http_receiver.requests == []


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (401, False), (403, False), (404, False), (410, False),
                              (408, True), (429, True), (500, True), (503, True)],
)  # fmt: skip
async def test_http_status_classes(http_receiver: HttpStandIn, status: int, retryable: bool) -> None:
    http_receiver.script.append((status, {}, "no"))
    async with httpx.AsyncClient() as client:
        with pytest.raises(RetryableDeliveryError if retryable else PermanentDeliveryError):
            await post_json(client, f"{http_receiver.url}/hook", "webhook", clock=FakeClock(), content=b"{}")


async def test_a_retry_after_date_is_measured_from_the_injected_clock(http_receiver: HttpStandIn) -> None:
    clock = FakeClock(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    http_receiver.script.append((429, {"Retry-After": "Fri, 27 Nov 2026 08:00:45 GMT"}, "slow down"))
    async with httpx.AsyncClient() as client:
        with pytest.raises(RetryableDeliveryError) as raised:
            await post_json(client, f"{http_receiver.url}/hook", "webhook", clock=clock, content=b"{}")
    assert raised.value.retry_after == 45


async def test_a_4xx_fails_at_once_with_a_dead_letter(http_receiver: HttpStandIn) -> None:
    http_receiver.script.append((422, {}, "unprocessable"))
    async with httpx.AsyncClient() as client:
        rig = Rig(webhook_routes(http_receiver.url), client)  # type: ignore[arg-type]
        rig.accept(make_alert(0))
        await rig.drive(rig.clock.now() + timedelta(hours=7))
    assert len(http_receiver.posted("/hook")) == 1
    [receipt] = rig.sink.receipts
    assert (receipt.outcome, receipt.attempts) == ("failed", 1)
    [dead] = rig.sink.dead_letters
    assert dead.error_class == "delivery" and "HTTP 422" in dead.reason
    assert rig.tracker.committable() == {("vigie.alerts.v1", 0): 1}


async def test_crlf_in_email_fields_neither_injects_nor_blocks(smtp: SmtpServer) -> None:
    config = routes(
        "route: {receiver: mairie, group_wait: 0s}\nreceivers:\n" + email_receiver("mairie", smtp.inbox.port)
    )
    async with httpx.AsyncClient() as client:
        rig = Rig(config, client)
        rig.accept(make_alert(0, incident=HOSTILE_INCIDENT, territory_name="Saint-Malo\r\nBcc: victim@example.org"))
        await rig.drive(rig.clock.now() + timedelta(minutes=1))
        rig.clock.advance(timedelta(minutes=20))
        rig.accept(make_alert(1, "resolved", incident=HOSTILE_INCIDENT, territory_name="Saint-Malo\r\nBcc: x@y"))
        await rig.drive(rig.clock.now() + timedelta(minutes=1))
    assert [r.outcome for r in rig.sink.receipts] == ["delivered", "delivered"]
    first, resolution = smtp.inbox.messages
    for message in smtp.inbox.messages:
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert "\n" not in str(message["Subject"]) and "\n" not in str(message["X-Vigie-Incident"])
    assert smtp.inbox.envelopes[0][1] == ["mairie@example.org"]
    assert unquote(str(first["X-Vigie-Incident"]).strip()) == HOSTILE_INCIDENT  # folded: a long token
    assert resolution["In-Reply-To"] == first["Message-ID"]
