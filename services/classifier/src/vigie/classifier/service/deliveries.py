"""Scoring's batches in flight: their input acknowledged to faust only once their output is in the broker.

The scoring agent hands a batch's scored mentions to the bulk producer and goes on scoring the next batch
while the broker acknowledges them (waiting for each batch's acknowledgements left the agent idle for a
broker round trip per batch, and the cores with it). Until its output is acknowledged, each input message
is held: one extra reference, so faust's own acknowledgement at the end of the batch does not make its offset
committable. When every record of the batch is acknowledged, the messages are acknowledged (faust commits
them on its next commit); if the producer fails, they never are: the worker stops (``on_failure``) and the
batch is consumed again by the partition's next owner (at least once).

At most ``limit`` batches are in flight: :meth:`Deliveries.admit` waits for the oldest beyond that.
:meth:`Deliveries.drain` waits for all of them (a clean stop: their offsets make the final commit).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from faust.types import EventT, Message

from vigie.classifier.service.faust_records import hold


class Deliveries:
    """Input messages held until their batch's output is acknowledged (see the module)."""

    def __init__(
        self, acknowledge: Callable[[Message], None], on_failure: Callable[[BaseException], None], limit: int
    ) -> None:
        self._acknowledge = acknowledge
        self._on_failure = on_failure
        self._limit = limit
        self._in_flight: deque[asyncio.Future[list[Any]]] = deque()

    def __len__(self) -> int:
        return len(self._in_flight)

    async def admit(self, events: Sequence[EventT[bytes]], delivery: asyncio.Future[list[Any]]) -> None:
        """Hold the batch's messages until ``delivery`` (its output's acknowledgements) completes; then wait
        while more than the limit of batches is in flight."""
        await self.admit_held(hold(events), delivery)

    async def admit_held(self, messages: list[Message], delivery: asyncio.Future[list[Any]]) -> None:
        """:meth:`admit` for messages the caller already holds (:func:`~vigie.classifier.service.faust_records.hold`)."""
        delivery.add_done_callback(lambda done: self._settle(done, messages))
        self._in_flight.append(delivery)
        while len(self._in_flight) > self._limit:
            await asyncio.wait([self._in_flight[0]])

    async def drain(self) -> None:
        """Wait until no batch is in flight (whatever their outcome)."""
        while self._in_flight:
            await asyncio.wait([self._in_flight[0]])

    def _settle(self, delivery: asyncio.Future[list[Any]], messages: list[Message]) -> None:
        self._in_flight.remove(delivery)
        if delivery.cancelled():
            return
        error = delivery.exception()
        if error is not None:
            self._on_failure(error)
            return
        for message in messages:
            self._acknowledge(message)
