"""Scoring's batches in flight: their input acknowledged only once their output is, never on failure."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from faust.types.tuples import Message

from vigie.classifier.service.deliveries import Deliveries
from vigie.schemas import MENTIONS_RAW


def _events(*offsets: int) -> list[Any]:
    events = []
    for offset in offsets:
        message = Message(MENTIONS_RAW, 0, offset, 0.0, 0, [], b"nice", b"{}", None)
        message.refcount = 1  # what the conductor gives a message read by one stream
        events.append(SimpleNamespace(message=message))
    return events


def _taken(events: list[Any]) -> list[Any]:
    """faust's own acknowledgement, when the agent takes its next batch (final only without a holder)."""
    for event in events:
        event.message.ack(None)
    return events


class Recorder:
    def __init__(self) -> None:
        self.acknowledged: list[int] = []
        self.failures: list[BaseException] = []

    def acknowledge(self, message: Message) -> None:
        if message.ack(None):  # type: ignore[arg-type]
            self.acknowledged.append(message.offset)

    def failed(self, error: BaseException) -> None:
        self.failures.append(error)


def test_a_batch_is_acknowledged_only_once_its_output_is() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        deliveries = Deliveries(recorder.acknowledge, recorder.failed, limit=4)
        events = _events(0, 1, 2)
        delivery: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        await deliveries.admit(events, delivery)
        # faust acknowledges the batch when the agent takes the next one: not final, the batch is held
        assert not any(event.message.ack(None) for event in events)
        assert all(event.message.value is None for event in events), "held messages keep no payload"
        await asyncio.sleep(0)
        assert recorder.acknowledged == [] and len(deliveries) == 1
        delivery.set_result([])
        await deliveries.drain()
        assert recorder.acknowledged == [0, 1, 2] and len(deliveries) == 0
        assert recorder.failures == []

    asyncio.run(scenario())


def test_a_failed_delivery_acknowledges_nothing_and_is_reported() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        deliveries = Deliveries(recorder.acknowledge, recorder.failed, limit=4)
        failing: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        fine: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        for events, delivery in ((_events(0, 1), failing), (_events(2), fine)):
            await deliveries.admit(events, delivery)
            _taken(events)
        error = RuntimeError("broker gone")
        failing.set_exception(error)
        fine.set_result([])
        await deliveries.drain()
        assert recorder.failures == [error]
        assert recorder.acknowledged == [2]

    asyncio.run(scenario())


def test_admit_waits_while_more_than_the_limit_is_in_flight() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        deliveries = Deliveries(recorder.acknowledge, recorder.failed, limit=1)
        loop = asyncio.get_running_loop()
        first: asyncio.Future[list[Any]] = loop.create_future()
        second: asyncio.Future[list[Any]] = loop.create_future()
        held = _events(0)
        await deliveries.admit(held, first)
        _taken(held)
        waiting = _events(1)
        admitting = asyncio.ensure_future(deliveries.admit(waiting, second))
        await asyncio.sleep(0.05)
        assert not admitting.done(), "two batches in flight with a limit of one"
        first.set_result([])
        await asyncio.wait_for(admitting, 1)
        _taken(waiting)
        assert recorder.acknowledged == [0] and len(deliveries) == 1
        second.set_result([])
        await deliveries.drain()
        assert recorder.acknowledged == [0, 1]

    asyncio.run(scenario())
