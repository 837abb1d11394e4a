"""A delivery rig: the dispatcher and the delivery engine with the real integrations (email, Slack, Teams,
webhook) on a fake clock, receipts kept in memory. Shared by the delivery and hostile-header tests."""

from __future__ import annotations

import random
from datetime import datetime

import httpx
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from tests.support.notifier import MemorySink
from vigie.notifier.dispatch import Dispatcher
from vigie.notifier.engine import DeliveryEngine
from vigie.notifier.integrations.base import Integration
from vigie.notifier.integrations.email import EmailDelivery
from vigie.notifier.integrations.slack import SlackDelivery
from vigie.notifier.integrations.teams import TeamsDelivery
from vigie.notifier.integrations.webhook import WebhookDelivery
from vigie.notifier.links import IncidentLinks
from vigie.notifier.metrics import NotifierMetrics
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.offsets import OffsetTracker, RecordRef
from vigie.notifier.routes_config import RoutesConfig
from vigie.notifier.silences import Silences
from vigie.runtime.backoff import RetryPolicy
from vigie.runtime.clock import FakeClock

#: The webhook receivers' signing secret.
SECRET = "webhook-s3cret"


class Rig:
    """Dispatcher + engine + real integrations on a fake clock, receipts kept in memory."""

    def __init__(self, config: RoutesConfig, client: httpx.AsyncClient, links: IncidentLinks | None = None) -> None:
        self.clock = FakeClock()
        self.sink = MemorySink()
        self.tracker = OffsetTracker()
        self.registry = CollectorRegistry()
        self.dispatcher = Dispatcher(config, Silences(), NotificationLog(), self.tracker, self.clock)
        integrations: dict[str, Integration] = {
            "email": EmailDelivery(self.clock, links=links),
            "slack": SlackDelivery(client, self.clock, SecretStr("xoxb-test-token"), links),
            "teams": TeamsDelivery(client, self.clock, links),
            "webhook": WebhookDelivery(client, self.clock, SecretStr(SECRET), links),
        }
        retry = RetryPolicy(rng=random.Random(7))
        self.engine = DeliveryEngine(
            self.dispatcher, integrations, self.sink, self.clock, NotifierMetrics(self.registry), retry
        )
        self.offset = 0

    def accept(self, *alerts: object) -> None:
        for alert in alerts:
            self.dispatcher.accept(alert, RecordRef("vigie.alerts.v1", 0, self.offset))  # type: ignore[arg-type]
            self.offset += 1

    async def drive(self, until: datetime) -> None:
        """Run every job due up to ``until``, jumping the clock from one due time to the next."""
        while True:
            await self.engine.run_due()
            due = self.dispatcher.next_due_at()
            if due is None or due > until:
                return
            self.clock.set(max(due, self.clock.now()))

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0
