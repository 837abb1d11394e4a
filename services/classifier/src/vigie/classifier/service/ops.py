"""``/healthz``, ``/readyz`` and ``/metrics`` of the worker, run as a service of the faust worker's loop, and the
periodic measure behind them (consumer lag, stalled stages).

The measure runs here, not as a faust timer: faust starts an app's timers only once the first table recovery
has completed, so a worker stuck in that recovery would never have been found stalled."""

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
        self.service = service
        settings = service.settings
        self.server = OpsServer(
            build_app(service.metrics.registry, service.readiness, liveness=service.alive),
            host=settings.http_host,
            port=settings.http_port,
        )

    async def on_start(self) -> None:
        await self.server.start()
        log.info("ops server listening", extra={"url": self.server.url})
        self.add_future(self._measure())

    async def _measure(self) -> None:
        """Measure lag and progress every ``lag_interval_s`` until the worker stops."""
        async for _ in self.itertimer(self.service.settings.lag_interval_s, name="measure"):
            try:
                await self.service.export_lag()
            except Exception:  # a measure that failed is skipped, never the end of measuring
                log.exception("measuring lag and progress failed")

    async def on_stop(self) -> None:
        await self.server.stop()
