"""Scheduled digests through the notifier process against the real broker, a real SMTP server and a Slack
stand-in, with a fake clock: delivered at each receiver's local time (across the spring daylight-saving
change) in its language, with the charts inline, once (a restart replays the receipts), and never ahead
of the alerts being delivered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.support.kafka import kafka_settings, produce, read_topic
from tests.support.notifier import HttpStandIn, SmtpInbox, SmtpServer, email_receiver, make_alert, make_digest, routes
from tests.support.waiting import eventually
from vigie.notifier.routes_config import RoutesConfig
from vigie.notifier.service import NotifierService
from vigie.notifier.settings import NotifierSettings
from vigie.runtime.clock import FakeClock
from vigie.schemas import ALERTS, DEADLETTER, DELIVERIES, DIGESTS

pytestmark = pytest.mark.broker
SUNDAY_OF_THE_CHANGE = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # 01:00 CET; clocks go to 03:00 CEST at 01:00Z


@asynccontextmanager
async def running(
    settings: NotifierSettings, config: RoutesConfig, clock: FakeClock, digests: int
) -> AsyncIterator[NotifierService]:
    """A started notifier whose digest store holds ``digests`` digests and whose first pass is done."""
    service = NotifierService(settings, config, clock=clock)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(service.run(stop, ready))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        await eventually(lambda: service.digest_deliverer is not None and service.digest_deliverer.passes > 0)
        assert len(service.digest_store) == digests
        yield service
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def settings_for(kafka: Any, unique: str, **extra: Any) -> NotifierSettings:
    return NotifierSettings(
        kafka=kafka_settings(kafka.bootstrap_servers),
        group_id=f"notifier-{unique}",
        commit_interval_s=0.2,
        api_enabled=False,
        **extra,
    )


def parts(message: EmailMessage) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for part in message.walk():
        found.setdefault(part.get_content_type(), []).append(part)
    return found


async def test_digests_at_local_time_in_locale_with_charts_once_across_restarts(
    kafka: Any, unique: str, smtp: SmtpServer, slack: HttpStandIn
) -> None:
    bootstrap = kafka.bootstrap_servers
    config = routes(
        "route:\n  receiver: mairie\nreceivers:\n"
        + email_receiver("mairie", smtp.inbox.port, extra="    digest: {period: day, territories: [saint-malo]}\n")
        + "  - name: ops-slack\n    locale: en\n    timezone: Europe/Paris\n"
        "    digest: {period: day, at: '02:30', matchers: ['region=bretagne']}\n"
        f"    slack: {{mode: webhook, webhook_url: '{slack.url}/hooks/digest'}}\n"
    )
    saturday = date(2026, 3, 28)
    nice = make_digest(saturday, "nice", "Nice", {"region": "paca"})  # nobody subscribes to Nice
    await produce(bootstrap, DIGESTS, make_digest(saturday), nice, raw=b"{not json")
    clock = FakeClock(SUNDAY_OF_THE_CHANGE)
    settings = settings_for(kafka, unique, chart_processes=0, digest_render_processes=0)
    async with running(settings, config, clock, digests=2) as service:
        deliverer = service.digest_deliverer
        assert deliverer is not None
        # 02:30 does not exist that night: the Slack digest is due at 03:30 CEST (01:30Z).
        assert deliverer.planner.next_due_at() == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
        clock.set(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
        [posted] = await eventually(lambda: slack.posted("/hooks/digest"))
        body = posted.json()
        assert body["blocks"][0]["text"]["text"] == "Saint-Malo's image — Saturday 28 March 2026"
        assert "Times shown in Europe/Paris." in str(body["blocks"])
        assert smtp.inbox.messages == []
        # The email digest is due at 08:00 local, which is 06:00Z in summer time (07:00Z the day before).
        assert deliverer.planner.next_due_at() == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
        clock.set(datetime(2026, 3, 29, 6, 0, tzinfo=UTC))
        [email] = await eventually(lambda: smtp.inbox.messages)
        assert email["Subject"] == "Image de Saint-Malo — samedi 28 mars 2026"
        assert email["Message-ID"].startswith("<digest.")
        assert email["In-Reply-To"] is None and email["References"] is None
        assert email["X-Vigie-Digest"] == "saint-malo:day:2026-03-28"
        found = parts(email)
        html = found["text/html"][0].get_content()
        charts = found["image/png"]
        assert len(charts) == 2 and all(c.get_content().startswith(b"\x89PNG") for c in charts)
        assert all(f"cid:{c['Content-ID'].strip('<>')}" in html for c in charts)
        assert "Heures affichées en Europe/Paris." in found["text/plain"][0].get_content()
        registry = service.registry
        await eventually(
            lambda: (
                registry.get_sample_value(
                    "vigie_notifier_digests_total", {"integration": "email", "outcome": "delivered"}
                )
                == 1
            )
        )
        assert (
            registry.get_sample_value(
                "vigie_notifier_notifications_total", {"integration": "slack", "outcome": "delivered"}
            )
            == 1
        )

    receipts = [r for r in await read_topic(bootstrap, DELIVERIES) if r.kind == "digest"]
    assert sorted((r.receiver, r.digest_id, r.outcome) for r in receipts) == [
        ("mairie", "saint-malo:day:2026-03-28", "delivered"),
        ("ops-slack", "saint-malo:day:2026-03-28", "delivered"),
    ]
    [dead] = [d for d in await read_topic(bootstrap, DEADLETTER) if d.topic == DIGESTS]
    assert dead.service == "notifier"

    # A restart within the delivery window replays the receipts: nothing is sent again; the next day is.
    clock.advance(60)
    async with running(settings, config, clock, digests=2) as service:
        assert len(smtp.inbox.messages) == 1 and len(slack.posted("/hooks/digest")) == 1
        await produce(bootstrap, DIGESTS, make_digest(date(2026, 3, 29)))
        await eventually(lambda: len(service.digest_store) == 3)
        clock.set(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))
        await eventually(lambda: len(smtp.inbox.messages) == 2 and len(slack.posted("/hooks/digest")) == 2)
        assert smtp.inbox.messages[1]["X-Vigie-Digest"] == "saint-malo:day:2026-03-29"
    assert len(smtp.inbox.messages) == 2 and len(slack.posted("/hooks/digest")) == 2


class SlowInbox(SmtpInbox):
    """An SMTP relay taking ``delay`` seconds to accept each message (instrumented stand-in)."""

    delay = 0.05

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


async def test_a_digest_due_during_an_alert_burst_waits_for_the_alerts(kafka: Any, unique: str, tmp_path: Path) -> None:
    bootstrap = kafka.bootstrap_servers
    smtp = SmtpServer()
    smtp.inbox = SlowInbox(smtp.inbox.port)
    smtp.start()
    try:
        config = routes(
            "route:\n  receiver: astreinte\n  group_wait: 0s\nreceivers:\n"
            + email_receiver("astreinte", smtp.inbox.port)
            + email_receiver(
                "direction", smtp.inbox.port, extra="    digest: {period: day, territories: [saint-malo]}\n"
            )
        )
        await produce(bootstrap, DIGESTS, make_digest(date(2026, 3, 28)))
        clock = FakeClock(datetime(2026, 3, 29, 5, 59, tzinfo=UTC))
        # The production set-up: the digest's charts drawn in a worker process; two sends at a time.
        settings = settings_for(kafka, unique, chart_processes=0, max_concurrent_deliveries=2)
        async with running(settings, config, clock, digests=1) as service:
            burst = [make_alert(incident=f"saint-malo:negative_surge:{unique}:{i}") for i in range(30)]
            await produce(bootstrap, ALERTS, *burst)
            await eventually(lambda: smtp.inbox.messages)  # the burst is being delivered
            clock.set(datetime(2026, 3, 29, 6, 0, tzinfo=UTC))  # ... when the digest falls due
            await eventually(lambda: any(m["X-Vigie-Digest"] for m in smtp.inbox.messages))
            order = ["digest" if m["X-Vigie-Digest"] else "alert" for m in smtp.inbox.messages]
            assert order == ["alert"] * 30 + ["digest"]
            await eventually(
                lambda: (
                    service.registry.get_sample_value(
                        "vigie_notifier_digests_total", {"integration": "email", "outcome": "delivered"}
                    )
                    == 1
                )
            )
    finally:
        smtp.stop()
