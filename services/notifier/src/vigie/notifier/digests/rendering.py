"""Drawing a digest's email (HTML, text and PNG charts) off the event loop.

Charts are tens to hundreds of milliseconds of pure-Python CPU that hold the GIL: drawn on the notifier's
event loop they would delay the alerts. :class:`ProcessDigestRenderer` draws in a worker process of its
own (not the alerts' chart worker, so a digest never queues in front of an alert's chart);
:class:`ThreadDigestRenderer` draws in a thread (tests, small deployments).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Protocol

from vigie.digest.render import Locale
from vigie.notifier.rendering.chart import MATPLOTLIB_LOCK, die_with_parent
from vigie.schemas import DigestEvent

if TYPE_CHECKING:  # the renderer imports matplotlib: only where a digest is drawn, not at the notifier's start
    from vigie.digest.render.email import EmailDigest


class DigestRenderer(Protocol):
    """Renders one digest as an email in a locale (language and time zone) without blocking the loop."""

    async def email(self, digest: DigestEvent, locale: Locale) -> EmailDigest: ...


def _render_locked(digest: DigestEvent, locale: Locale) -> EmailDigest:
    from vigie.digest.render.email import render_email

    with MATPLOTLIB_LOCK:
        return render_email(digest, locale)


class ThreadDigestRenderer:
    async def email(self, digest: DigestEvent, locale: Locale) -> EmailDigest:
        return await asyncio.to_thread(_render_locked, digest, locale)


class ProcessDigestRenderer:
    """One spawned worker process, killed with the notifier (no orphan after SIGKILL)."""

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent
        )

    async def warm_up(self) -> None:
        """Start the worker and import the chart and template modules there before the first digest."""
        await asyncio.get_running_loop().run_in_executor(self._pool, _import_rendering)

    async def email(self, digest: DigestEvent, locale: Locale) -> EmailDigest:
        from vigie.digest.render.email import render_email

        return await asyncio.get_running_loop().run_in_executor(self._pool, render_email, digest, locale)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _import_rendering() -> None:  # pragma: no cover - runs in the worker
    import vigie.digest.render.html  # noqa: F401  (matplotlib, jinja2 and the templates)
