"""Where each agent has got to, per topic partition: feeds the consumer-lag gauge and readiness.

Lag is ``high watermark - (last processed offset + 1)``, measured periodically; a partition whose first
record has not been processed yet counts from its high watermark only once it has been seen.

The position is the last record of the last batch processed, even when it is lower than the one before: a broker
that lost its data restarts a partition's offsets at 0, and the worker's position must follow the new log, or
its lag would read 0 for as long as the new log stays below the old offsets. A log end at or below the
position reads as no lag: Tansu reports the end of a partition written in batches as its last batch's first
offset + 1, below what a caught-up consumer has processed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from vigie.classifier.metrics import ClassifierMetrics
from vigie.classifier.service.records import InboundRecord

#: The high watermark (next offset to be written) of a topic partition, or None when unknown.
HighWatermark = Callable[[str, int], int | None]


class Progress:
    """Last processed offset per (topic, partition)."""

    def __init__(self) -> None:
        self._processed: dict[tuple[str, int], int] = {}

    def processed(self, topic: str, partition: int, offset: int) -> None:
        """The last record processed on the partition (records come in offset order; see the module)."""
        self._processed[(topic, partition)] = offset

    def processed_batch(self, records: Iterable[InboundRecord]) -> None:
        """Every record of a batch: one update per partition, not one per record."""
        last: dict[tuple[str, int], int] = {}
        for record in records:
            key = (record.topic, record.partition)
            last[key] = max(record.offset, last.get(key, -1))
        for (topic, partition), offset in last.items():
            self.processed(topic, partition, offset)

    def position(self, topic: str, partition: int) -> int:
        """The last offset processed on the partition (-1: none)."""
        return self._processed.get((topic, partition), -1)

    def partitions(self) -> list[tuple[str, int]]:
        """The (topic, partition) pairs this worker has processed records from."""
        return list(self._processed)

    def forget(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Partitions revoked from this worker: their lag is another worker's to report."""
        for key in partitions:
            self._processed.pop(key, None)

    def lag(self, high_watermark: HighWatermark) -> dict[tuple[str, int], int]:
        """Records behind, per partition this worker has processed something from."""
        lags: dict[tuple[str, int], int] = {}
        for (topic, partition), offset in self._processed.items():
            high = high_watermark(topic, partition)
            if high is not None:
                lags[(topic, partition)] = max(0, high - offset - 1)
        return lags

    def export(self, metrics: ClassifierMetrics, high_watermark: HighWatermark) -> None:
        for (topic, partition), lag in self.lag(high_watermark).items():
            metrics.consumer_lag.labels(topic=topic, partition=str(partition)).set(lag)
