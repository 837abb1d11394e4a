"""Where the notifier's receipts and dead letters go, and how their writes are retried.

A write that fails is retried until it succeeds (the log topic is down: back off up to 10 s; never give up),
as a send without its receipt could be repeated after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from vigie.schemas import DeadLetter, DeliveryReceipt

log = logging.getLogger(__name__)


class LogSink(Protocol):
    """Where receipts and dead letters go. Both calls return once the record is durably written (acked)
    and raise if it could not be; the engine retries them, never the send."""

    async def write_receipt(self, receipt: DeliveryReceipt) -> None: ...

    async def write_dead_letter(self, dead_letter: DeadLetter) -> None: ...


async def retry_write(write: Callable[[], Awaitable[None]]) -> None:
    """Call ``write`` until it succeeds (the log topic is down: back off up to 10 s; never give up, as a
    send without its receipt could be repeated after a restart)."""
    delay = 0.2
    while True:
        try:
            await write()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("cannot write to the log topic; retrying")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
