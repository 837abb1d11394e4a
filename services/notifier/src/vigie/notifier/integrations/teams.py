"""Microsoft Teams through a Workflows webhook: one Adaptive Card per notification (no threads)."""

from __future__ import annotations

import httpx

from vigie.notifier.integrations.base import post_json
from vigie.notifier.links import IncidentLinks
from vigie.notifier.notification import Notification
from vigie.notifier.rendering.teams import teams_message
from vigie.notifier.rendering.view import build_view
from vigie.runtime.clock import Clock
from vigie.schemas import Integration as IntegrationName


class TeamsDelivery:
    name: IntegrationName = "teams"

    def __init__(self, client: httpx.AsyncClient, clock: Clock, links: IncidentLinks | None = None) -> None:
        self._client = client
        self._links = links
        self._clock = clock

    async def notify(self, notification: Notification) -> str | None:
        config = notification.receiver.teams
        assert config is not None
        body = teams_message(build_view(notification, self._clock.now(), self._links))
        await post_json(self._client, config.url, "teams workflow", clock=self._clock, json_body=body)
        return None
