"""Delivery through the real protocols: an aiosmtpd server and HTTP stand-ins for Slack (incoming webhook
and Web API, with 429 Retry-After and 500s), Teams and a signed webhook. Time is a fake clock, so a
ten-minute outage takes no time."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.support.delivery_rig import SECRET, Rig
from tests.support.notifier import HttpStandIn, SmtpServer, email_receiver, make_alert, routes
from vigie.notifier.integrations.webhook import SIGNATURE_HEADER, verify
from vigie.notifier.links import IncidentLinks
from vigie.notifier.routes_config import RoutesConfig


def slack_routes(slack: HttpStandIn, mode: str = "bot") -> RoutesConfig:
    integration = (
        f"    slack: {{mode: bot, channel: '#crise', api_url: '{slack.url}/api'}}\n"
        if mode == "bot"
        else f"    slack: {{mode: webhook, webhook_url: '{slack.url}/services/T/B/X'}}\n"
    )
    return routes(
        "route: {receiver: slack, group_wait: 0s, group_interval: 1m}\n"
        f"receivers:\n  - name: slack\n    locale: en\n{integration}"
    )


async def test_email_thread_and_resolution_reply(smtp: SmtpServer) -> None:
    config = routes(
        "route: {receiver: mairie, group_wait: 30s}\nreceivers:\n" + email_receiver("mairie", smtp.inbox.port)
    )
    async with httpx.AsyncClient() as client:
        rig = Rig(config, client)
        rig.accept(make_alert(0, severity="critical"))
        await rig.drive(rig.clock.now() + timedelta(minutes=1))
        rig.clock.advance(timedelta(minutes=20))
        rig.accept(make_alert(1, "resolved", severity="critical"))
        await rig.drive(rig.clock.now() + timedelta(minutes=1))
    first, resolution = smtp.inbox.messages
    # One subject for the whole incident (clients thread on it); the status is in the body.
    assert first["Subject"] == "Saint-Malo\u00a0: vague de mentions négatives (incident du 27/11/2026 09:00)"
    assert first["In-Reply-To"] is None
    assert resolution["Subject"] == first["Subject"]
    assert resolution.get_body(("plain",)).get_content().startswith("RÉSOLU")
    assert resolution["In-Reply-To"] == first["Message-ID"] == resolution["References"]
    assert smtp.inbox.envelopes[0] == ("vigie@example.org", ["mairie@example.org"])
    assert [p.get_content_type() for p in first.walk()][:3] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
    ]
    assert rig.sink.receipts[0].thread_ref == first["Message-ID"]
    assert [r.outcome for r in rig.sink.receipts] == ["delivered", "delivered"]
    assert rig.tracker.committable() == {("vigie.alerts.v1", 0): 2}


async def test_refused_recipient_is_dead_lettered_not_retried(smtp: SmtpServer) -> None:
    smtp.inbox.refuse = "550 5.1.1 no such mailbox"
    config = routes(
        "route: {receiver: mairie, group_wait: 0s}\nreceivers:\n" + email_receiver("mairie", smtp.inbox.port)
    )
    async with httpx.AsyncClient() as client:
        rig = Rig(config, client)
        rig.accept(make_alert(0))
        await rig.drive(rig.clock.now() + timedelta(hours=1))
    assert smtp.inbox.messages == []
    [dead] = rig.sink.dead_letters
    assert dead.error_class == "delivery" and "recipients refused" in dead.reason and dead.offset == 0
    assert [r.outcome for r in rig.sink.receipts] == ["failed"]
    assert rig.metric("vigie_notifier_deadletters_total", reason="delivery") == 1
    assert rig.tracker.committable() == {("vigie.alerts.v1", 0): 1}


async def test_slack_bot_threads_updates_and_marks_the_first_message_resolved(slack: HttpStandIn) -> None:
    async with httpx.AsyncClient() as client:
        rig = Rig(slack_routes(slack), client)
        rig.accept(make_alert(0))
        await rig.drive(rig.clock.now())
        rig.clock.advance(120)
        rig.accept(make_alert(1, "escalated", severity="critical"))
        await rig.drive(rig.clock.now())
        rig.clock.advance(120)
        rig.accept(make_alert(2, "resolved", severity="critical"))
        await rig.drive(rig.clock.now())
    calls = [(r.path, r.json()) for r in slack.requests]
    # The resolution is a reply broadcast to the channel: the first message (and its evidence) is never rewritten.
    assert [path for path, _ in calls] == ["/api/chat.postMessage", "/api/chat.postMessage", "/api/chat.postMessage"]
    opener_ts = "1764230400.000001"
    assert "thread_ts" not in calls[0][1]
    assert calls[1][1]["thread_ts"] == opener_ts and calls[1][1]["reply_broadcast"] is True
    assert calls[2][1]["thread_ts"] == opener_ts and calls[2][1]["reply_broadcast"] is True
    assert calls[2][1]["text"].startswith("RÉSOLU") or calls[2][1]["text"].startswith("RESOLVED")
    assert all(r.headers["Authorization"] == "Bearer xoxb-test-token" for r in slack.requests)
    assert {r.thread_ref for r in rig.sink.receipts} == {f"C0VIGIE/{opener_ts}"}


async def test_slack_429_retry_after_and_500_are_retried(slack: HttpStandIn) -> None:
    slack.script.extend([(429, {"Retry-After": "120"}, {"ok": False, "error": "ratelimited"}), (500, {}, "oops")])
    async with httpx.AsyncClient() as client:
        rig = Rig(slack_routes(slack, mode="webhook"), client)
        rig.accept(make_alert(0))
        start = rig.clock.now()
        await rig.engine.run_due()
        assert rig.dispatcher.next_due_at() is not None
        assert rig.dispatcher.next_due_at() >= start + timedelta(seconds=120)  # type: ignore[operator]
        await rig.drive(start + timedelta(minutes=10))
    assert len(slack.posted("/services/T/B/X")) == 3
    [receipt] = rig.sink.receipts
    assert (receipt.outcome, receipt.attempts) == ("delivered", 3)
    assert rig.metric("vigie_notifier_notifications_total", integration="slack", outcome="retried") == 2


async def test_teams_card_and_signed_webhook(http_receiver: HttpStandIn) -> None:
    config = routes(
        "route:\n  receiver: teams\n  group_wait: 0s\n  routes: [{receiver: teams, continue: true}, {receiver: hook}]\n"
        "receivers:\n"
        f"  - name: teams\n    locale: fr\n    teams: {{url: '{http_receiver.url}/workflows/x'}}\n"
        f"  - name: hook\n    locale: en\n    webhook: {{url: '{http_receiver.url}/hook'}}\n"
    )
    async with httpx.AsyncClient() as client:
        rig = Rig(config, client)
        rig.accept(make_alert(0))
        await rig.drive(rig.clock.now())
    [card] = http_receiver.posted("/workflows/x")
    attachment = card.json()["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    [hook] = http_receiver.posted("/hook")
    assert hook.headers["Content-Type"].startswith("application/cloudevents+json")
    assert verify(SECRET, hook.headers[SIGNATURE_HEADER], hook.body)
    assert not verify("wrong", hook.headers[SIGNATURE_HEADER], hook.body)
    assert hook.json()["id"] == hook.headers["Idempotency-Key"] == "hook:saint-malo:negative_surge:20261127T0800:0"


async def test_every_message_of_every_channel_links_to_the_incident_page(
    smtp: SmtpServer, slack: HttpStandIn, http_receiver: HttpStandIn
) -> None:
    """Issue 17: every alert links to the incident page: email, Slack, Teams and the webhook's CloudEvent,
    when the incident is raised, updated, escalated and resolved."""
    config = routes(
        "route:\n  receiver: mail\n  group_wait: 0s\n  group_interval: 1m\n  routes:\n"
        "    - {receiver: mail, continue: true}\n    - {receiver: slack, continue: true}\n"
        "    - {receiver: teams, continue: true}\n    - {receiver: hook}\n"
        "receivers:\n"
        + email_receiver("mail", smtp.inbox.port)
        + f"  - name: slack\n    locale: en\n    slack: {{mode: bot, channel: '#crise', api_url: '{slack.url}/api'}}\n"
        f"  - name: teams\n    locale: fr\n    teams: {{url: '{http_receiver.url}/workflows/x'}}\n"
        f"  - name: hook\n    locale: en\n    webhook: {{url: '{http_receiver.url}/hook'}}\n"
    )
    links = IncidentLinks(b"incident-link-secret-0123", "https://vigie.example.org")
    async with httpx.AsyncClient() as client:
        rig = Rig(config, client, links)
        for sequence, (transition, severity) in enumerate(
            [("raised", "major"), ("updated", "major"), ("escalated", "critical"), ("resolved", "critical")]
        ):
            rig.accept(make_alert(sequence, transition, severity=severity))  # type: ignore[arg-type]
            await rig.drive(rig.clock.now())
            rig.clock.advance(120)
    page = "https://vigie.example.org/incidents/saint-malo%3Anegative_surge%3A20261127T0800?exp="
    emails = smtp.inbox.messages
    posts = slack.posted("/api/chat.postMessage")
    cards = [r.json() for r in http_receiver.posted("/workflows/x")]
    events = [r.json() for r in http_receiver.posted("/hook")]
    assert len(emails) == len(posts) == len(cards) == len(events) == 4
    for message in emails:
        assert page in message.get_body(("plain",)).get_content()
        assert page.replace("&", "&amp;") in message.get_body(("html",)).get_content()
    for post in posts:
        assert any(e.get("url", "").startswith(page) for b in post.json()["blocks"] for e in b.get("elements", []))
    for card in cards:
        actions = card["attachments"][0]["content"]["actions"]
        assert actions[0]["type"] == "Action.OpenUrl" and actions[0]["url"].startswith(page)
    assert [e["type"].split(".")[3] for e in events] == ["raised", "updated", "escalated", "resolved"]
    for event in events:
        assert event["data"]["incident_url"].startswith(page)
        assert event["data"]["chart_url"].startswith(page.replace("?exp=", "/chart.png?exp="))
        incident, expires, signature = _signed(event["data"]["incident_url"])
        assert links.verify(incident, expires, signature, rig.clock.now()) is not None


def _signed(url: str) -> tuple[str, str, str]:
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return unquote(parts.path.rsplit("/", 1)[1]), query["exp"][0], query["sig"][0]


async def test_ten_minute_outage_loses_nothing(slack: HttpStandIn) -> None:
    port_smtp = SmtpServer()
    config = routes(
        "route:\n  receiver: mail\n  group_wait: 10s\n  routes: [{receiver: mail, continue: true}, {receiver: slack}]\n"
        "receivers:\n"
        + email_receiver("mail", port_smtp.inbox.port)
        + f"  - name: slack\n    locale: en\n    slack: {{mode: webhook, webhook_url: '{slack.url}/hook'}}\n"
    )
    async with httpx.AsyncClient() as client:
        rig = Rig(config, client)
        outage_end = rig.clock.now() + timedelta(minutes=10)
        slack.down = lambda: rig.clock.now() < outage_end  # Slack answers 503 during the outage
        incidents = [f"territory-{i}:negative_surge:x" for i in range(5)]  # SMTP is not even listening
        rig.accept(*(make_alert(0, incident=i, territory_id=f"territory-{n}") for n, i in enumerate(incidents)))
        await rig.drive(outage_end - timedelta(seconds=1))
        assert smtp_count(port_smtp) == 0 and slack.requests == []
        assert rig.dispatcher.retrying() == 10 and rig.sink.dead_letters == []
        assert rig.tracker.committable() == {("vigie.alerts.v1", 0): 0}
        port_smtp.start()
        try:
            await rig.drive(outage_end + timedelta(minutes=2))
        finally:
            port_smtp.stop()
    assert smtp_count(port_smtp) == 5 and len(slack.requests) == 5
    assert sorted(r.outcome for r in rig.sink.receipts) == ["delivered"] * 10
    assert rig.tracker.committable() == {("vigie.alerts.v1", 0): 5}


def smtp_count(server: SmtpServer) -> int:
    return len(server.inbox.messages)
