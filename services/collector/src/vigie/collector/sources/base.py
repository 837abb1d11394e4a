"""The one interface every source implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

from vigie.collector.items import Batch, Cursor
from vigie.runtime.clock import Clock
from vigie.schemas import SourceKind

Query = TypeVar("Query")


class Source(ABC):
    """A place mentions come from (a feed, an instance, a firehose, a file).

    Contract:

    * ``name`` is unique among the configured sources and stable across restarts (it names the cursor);
      ``kind`` is the source kind of the records.
    * :meth:`restore` is called before iterating, with the last cursor whose batch the broker acknowledged
      (or None on the first run), and again after every failure: the source resumes from there.
    * :meth:`batches` yields :class:`~vigie.collector.items.Batch` objects; each carries the cursor that is
      valid *once that batch and all earlier ones are acknowledged*. A poll that found nothing new yields
      an empty batch (it proves the source is alive). Bad input never raises: it goes to ``Batch.rejected``.
      A retryable failure (network, timeout, 429/5xx) raises :class:`~vigie.collector.errors.FetchError`;
      the runner backs off, calls :meth:`restore` and iterates again. Only finite sources (a file) end.
    * :meth:`close` releases connections; it is idempotent.
    """

    name: str
    kind: SourceKind

    @abstractmethod
    def restore(self, cursor: Cursor | None) -> None:
        """Resume from ``cursor`` (None: start from the source's present)."""

    @abstractmethod
    def batches(self) -> AsyncIterator[Batch]:
        """Collected batches, in order (see the class docstring)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources; default: nothing to release."""


class PollingSource(Source):
    """A source read by polling: :meth:`poll` once per ``interval_s``, using the injected clock.

    ``start_delay_s`` delays the first poll only (spreads hundreds of feeds over the first interval).
    """

    def __init__(self, clock: Clock, interval_s: float, start_delay_s: float = 0.0) -> None:
        self.clock = clock
        self.interval_s = interval_s
        self.start_delay_s = start_delay_s

    @abstractmethod
    async def poll(self) -> Batch:
        """One read: everything new since the cursor, and the cursor after it."""

    async def batches(self) -> AsyncIterator[Batch]:
        if self.start_delay_s > 0:
            await self.clock.sleep(self.start_delay_s)
            self.start_delay_s = 0.0
        while True:
            yield await self.poll()
            await self.clock.sleep(self.interval_s)


class QueryPollingSource(PollingSource, Generic[Query]):
    """A polling source that runs several queries, each resuming from its own ``since`` mark.

    The cursor is ``{"since": {key: mark}}``; subclasses read one query in :meth:`_read_query`, add what they
    found to the batch and move ``self._since[key]`` forward.
    """

    queries: tuple[Query, ...]
    _since: dict[str, str]

    def restore(self, cursor: Cursor | None) -> None:
        since = (cursor or {}).get("since", {})
        self._since = {str(k): str(v) for k, v in since.items()} if isinstance(since, dict) else {}

    async def poll(self) -> Batch:
        batch = Batch()
        for query in self.queries:
            await self._read_query(batch, query)
        batch.cursor = {"since": dict(self._since)}
        return batch

    @abstractmethod
    async def _read_query(self, batch: Batch, query: Query) -> None:
        """Read one query from its ``since`` mark into ``batch``."""
