"""Drawing a digest's email (HTML, text and PNG charts) off the event loop.

Charts are tens to hundreds of milliseconds of pure-Python CPU that hold the GIL: drawn on the notifier's
event loop they would delay the alerts. A :class:`DigestRenderer` draws on a
:class:`~vigie.runtime.workers.Worker` of its own (in the service, not the alerts' chart worker, so a digest
never queues in front of an alert's chart); by default a thread holding the matplotlib lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vigie.digest.render import Locale
from vigie.notifier.rendering.chart import MATPLOTLIB_LOCK
from vigie.runtime.workers import ThreadWorker, Worker
from vigie.schemas import DigestEvent

if TYPE_CHECKING:  # the renderer imports matplotlib: only where a digest is drawn, not at the notifier's start
    from vigie.digest.render.email import EmailDigest


class DigestRenderer:
    """Renders one digest as an email in a locale (language and time zone) without blocking the loop."""

    def __init__(self, worker: Worker | None = None) -> None:
        self._worker = worker or ThreadWorker(MATPLOTLIB_LOCK)

    async def warm_up(self) -> None:
        """Import the chart and template modules in the worker before the first digest."""
        await self._worker.warm_up(_import_rendering)

    async def email(self, digest: DigestEvent, locale: Locale) -> EmailDigest:
        return await self._worker.run(_render_email, digest, locale)

    def close(self) -> None:
        self._worker.close()


def _render_email(digest: DigestEvent, locale: Locale) -> EmailDigest:
    from vigie.digest.render.email import render_email

    return render_email(digest, locale)


def _import_rendering() -> None:  # pragma: no cover - runs in the worker
    import vigie.digest.render.html  # noqa: F401  (matplotlib, jinja2 and the templates)
