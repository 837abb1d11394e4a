"""``/healthz``, ``/readyz`` and ``/metrics`` of the worker, run as a service of the faust worker's loop."""

from __future__ import annotations

import logging

from mode import Service

from vigie.classifier.app import ClassifierService
from vigie.runtime.health import OpsServer, build_app

log = logging.getLogger(__name__)


class OpsService(Service):
    """Serves the operations endpoints on ``settings.http_host:http_port`` while the worker runs."""

    def __init__(self, service: ClassifierService) -> None:
        super().__init__()
        settings = service.settings
        self.server = OpsServer(
            build_app(service.metrics.registry, service.readiness, liveness=service.alive),
            host=settings.http_host,
            port=settings.http_port,
        )

    async def on_start(self) -> None:
        await self.server.start()
        log.info("ops server listening", extra={"url": self.server.url})

    async def on_stop(self) -> None:
        await self.server.stop()
