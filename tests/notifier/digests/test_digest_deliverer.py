"""The digest deliverer without the broker: Teams and Slack bot digests, retries of a remote that is down,
a permanent refusal dead-lettered once, and receipts that make the next pass send nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from tests.support.notifier import HttpStandIn, MemorySink, make_digest, routes
from vigie.notifier.digests.deliverer import DigestDeliverer
from vigie.notifier.digests.planner import DigestPlanner
from vigie.notifier.digests.rendering import DigestRenderer
from vigie.notifier.digests.store import DigestStore
from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.engine import DeliveryEngine
from vigie.notifier.metrics import NotifierMetrics
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.offsets import OffsetTracker
from vigie.notifier.service import build_digest_senders
from vigie.notifier.settings import NotifierSettings
from vigie.notifier.silences import Silences
from vigie.runtime.backoff import RetryPolicy
from vigie.runtime.clock import FakeClock

DUE = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)  # 08:00 in Paris


async def test_teams_retries_slack_bot_posts_and_a_refusal_is_dead_lettered_once(
    http_receiver: HttpStandIn, slack: HttpStandIn
) -> None:
    config = routes(
        "route:\n  receiver: teams\nreceivers:\n"
        "  - name: teams\n    locale: en\n    timezone: Europe/Paris\n"
        "    digest: {period: day, territories: [saint-malo]}\n"
        f"    teams: {{url: '{http_receiver.url}/workflow'}}\n"
        "  - name: bot\n    timezone: Europe/Paris\n"
        "    digest: {period: day, matchers: ['territory_id=~.+']}\n"
        f"    slack: {{mode: bot, channel: '#veille', api_url: '{slack.url}/api'}}\n"
        "  - name: gone\n    timezone: Europe/Paris\n"
        "    digest: {period: day, territories: [nice]}\n"
        f"    slack: {{mode: webhook, webhook_url: '{slack.url}/hooks/gone'}}\n"
    )
    clock, log, sink = FakeClock(DUE - timedelta(hours=1)), NotificationLog(), MemorySink()
    metrics = NotifierMetrics(CollectorRegistry())
    dispatcher = Dispatcher(config, Silences(), log, OffsetTracker(), clock)
    engine = DeliveryEngine(dispatcher, {}, sink, clock, metrics)
    store = DigestStore()
    store.put(make_digest(date(2026, 7, 14)))
    store.put(make_digest(date(2026, 7, 14), "nice", "Nice", {"region": "paca"}))
    http_receiver.script.append((503, {"Retry-After": "30"}, "busy"))
    answer = slack.default
    slack.default = lambda request: (404, {}, "no_service") if request.path == "/hooks/gone" else answer(request)
    settings = NotifierSettings(slack_token=SecretStr("xoxb-test"))
    async with httpx.AsyncClient() as client:
        deliverer = DigestDeliverer(
            DigestPlanner(config.digest_receivers(), clock.now(), timedelta(hours=12)),
            store,
            log,
            build_digest_senders(settings, client, clock, DigestRenderer()),
            sink,
            clock,
            metrics,
            engine,
            RetryPolicy(),
        )
        assert await deliverer.run_due() == 0  # not due yet
        clock.set(DUE)
        assert await deliverer.run_due() == 4  # bot x2 (both territories), gone (nice), teams (503)
        outcomes = sorted((r.notification_id, r.outcome) for r in sink.receipts)
        assert outcomes == [
            ("bot:nice:day:2026-07-14", "delivered"),
            ("bot:saint-malo:day:2026-07-14", "delivered"),
            ("gone:nice:day:2026-07-14", "failed"),
        ]
        [dead] = sink.dead_letters
        assert dead.topic == "vigie.digests.v1" and "gone (slack)" in dead.reason and "404" in dead.reason
        assert dead.error_class == "delivery" and (dead.partition, dead.offset) == (-1, -1)
        assert metrics.deadletters.labels("delivery")._value.get() == 1
        assert all(r.kind == "digest" and r.transition is None for r in sink.receipts)
        assert all(str(r.thread_ref).startswith("C0VIGIE/") for r in sink.receipts if r.receiver == "bot")

        assert await deliverer.run_due() == 0  # Teams waits for its Retry-After; nothing else is re-sent
        clock.advance(31)
        assert await deliverer.run_due() == 1
        [card] = [r.json() for r in http_receiver.posted("/workflow")][1:]
        content = card["attachments"][0]["content"]
        assert content["type"] == "AdaptiveCard"
        assert content["body"][0]["text"] == "Saint-Malo's image — Tuesday 14 July 2026"
        assert metrics.digests.labels("teams", "retried")._value.get() == 1
        assert metrics.digests.labels("teams", "delivered")._value.get() == 1
        assert metrics.digests.labels("slack", "failed")._value.get() == 1
        assert await deliverer.run_due() == 0
        assert len(sink.receipts) == 4
