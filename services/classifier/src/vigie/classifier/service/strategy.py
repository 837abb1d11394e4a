"""The shape of the classifier's processing steps, after arroyo's ``ProcessingStrategy``.

A step is handed each batch of events (:meth:`~ProcessingStrategy.submit`), asked regularly to do what has
come due (:meth:`~ProcessingStrategy.poll`: after each batch and on a timer, so that a checkpoint is written even
when no batch comes), told that its partitions were taken away (:meth:`~ProcessingStrategy.revoke`) and given again
(:meth:`~ProcessingStrategy.assign`) and, at a clean stop, to finish what it holds so that faust's final commit
covers it (:meth:`~ProcessingStrategy.join`). :func:`consuming` is the one loop that feeds a step from a faust
agent's stream; ``app.py`` wires the rest (timers and signals) to the same methods.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import faust
from faust.types import EventT

from vigie.classifier.service.faust_records import event_batches, freeze_long_lived


class ProcessingStrategy(Protocol):
    async def submit(self, events: Sequence[EventT[bytes]]) -> None:
        """Process one batch (a record's own failure is a dead letter; what raises stops the worker)."""

    async def poll(self) -> None:
        """Do what has come due (e.g. a checkpoint), without waiting for the next batch."""

    async def revoke(self) -> None:
        """The partitions were revoked: what was not persisted is forgotten, for their next owner to redo."""

    async def assign(self) -> None:
        """Partitions were assigned (after a revocation): their batches are processed again."""

    async def join(self) -> None:
        """Clean stop: finish and acknowledge what is held, so that the final commit covers it."""


def consuming(
    strategy: ProcessingStrategy, batch_size: int, within: float, name: str
) -> Callable[[faust.StreamT[bytes]], Awaitable[None]]:
    """A faust agent function (named ``name``, faust names the agent's tasks after it) that submits the stream's
    batches to ``strategy`` and polls it after each."""

    async def consume(stream: faust.StreamT[bytes]) -> None:
        freeze_long_lived()
        async for events in event_batches(stream, batch_size, within=within):
            await strategy.submit(events)
            await strategy.poll()

    consume.__name__ = consume.__qualname__ = name.replace("-", "_")
    return consume
