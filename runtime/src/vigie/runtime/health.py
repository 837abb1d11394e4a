"""The operations endpoint of a service: ``/healthz`` (alive), ``/readyz`` (ready to work), ``/metrics``.

Liveness answers 200 while the event loop runs and the service's own liveness check (if any: a stage stuck
with work waiting) passes, 503 with the reason otherwise. Readiness asks the service (connected to the broker,
assignment received, ...) and answers 503 with the reason otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

#: Returns None when ready, else the reason it is not.
ReadinessCheck = Callable[[], str | None]


def build_app(
    registry: CollectorRegistry,
    readiness: ReadinessCheck,
    extra: web.RouteTableDef | None = None,
    *,
    liveness: ReadinessCheck | None = None,
) -> web.Application:
    """An aiohttp application with the three operational routes (plus the service's own, if any)."""

    async def healthz(_: web.Request) -> web.Response:
        reason = liveness() if liveness is not None else None
        if reason is not None:
            return web.json_response({"status": "failing", "reason": reason}, status=503)
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        reason = readiness()
        if reason is None:
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "not ready", "reason": reason}, status=503)

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    if extra is not None:
        app.router.add_routes(extra)
    return app


class OpsServer:
    """Runs an aiohttp application on host:port (port 0 picks a free one; ``port`` tells which)."""

    def __init__(self, app: web.Application, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"
