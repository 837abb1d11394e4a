"""faust's Prometheus sensor without its per-message Prometheus updates.

faust calls its monitor five times per message (message in, stream event in and out, message out, partition
end offset). ``PrometheusMonitor`` updates Prometheus metrics on each call (four label look-ups, gauges up and
down, an event-latency histogram) on top of faust's own in-memory ``Monitor`` bookkeeping: ~30 µs of CPU per
record per agent, a quarter of faust's whole per-message path (benchmarks/faust_ceiling.py). The classifier's
agents consume in batches (``take_events``), so the per-event figures say little (an "event" ends when it is
put into the take buffer) and the service has its own batch, progress and lag metrics.

:class:`BatchedPrometheusMonitor` keeps every other faust metric (commits, rebalances, assignments, sends,
tables) and, per message, only counts messages and keeps the last read and end offset per partition in plain
dictionaries; :meth:`~BatchedPrometheusMonitor.flush` moves them into the same Prometheus series
(``messages_received``, ``messages_received_per_topic``, ``topic_partition_read_offset``,
``topic_partition_end_offset``; names from :mod:`vigie.classifier.service.faust_metrics`): the registry flushes at every scrape through :class:`FlushOnCollect`. It also
keeps ``stream_inbound_time``, which faust's slow-processing diagnostics read. Not updated: active messages and
events, events per stream, event latency.
"""

from __future__ import annotations

from collections.abc import Iterable
from time import monotonic
from typing import Any

from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from faust.types import TP
from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector

from vigie.classifier.service.faust_metrics import conventional_faust_metrics


class BatchedPrometheusMonitor(PrometheusMonitor):
    """faust's Prometheus monitor with its per-message metrics counted in plain dictionaries, flushed on demand."""

    def __init__(self, metrics: FaustMetrics, **kwargs: Any) -> None:
        super().__init__(metrics=metrics, **kwargs)
        self._received: dict[TP, int] = {}
        self._read_offsets: dict[TP, int] = {}
        self._end_offsets: dict[TP, int] = {}

    def on_message_in(self, tp: TP, offset: int, message: Any) -> None:
        self._received[tp] = self._received.get(tp, 0) + 1
        self._read_offsets[tp] = offset

    def on_stream_event_in(self, tp: TP, offset: int, stream: Any, event: Any) -> dict[str, Any] | None:
        self.stream_inbound_time[tp] = monotonic()
        return None

    def on_stream_event_out(self, tp: TP, offset: int, stream: Any, event: Any, state: Any = None) -> None:
        return None

    def on_message_out(self, tp: TP, offset: int, message: Any) -> None:
        return None

    def track_tp_end_offset(self, tp: TP, offset: int) -> None:
        self._end_offsets[tp] = offset

    def flush(self) -> None:
        """Adds the messages counted since the last flush to the Prometheus series and sets the offsets."""
        metrics = self._metrics
        received, self._received = self._received, {}
        for tp, count in received.items():
            metrics.messages_received.inc(count)
            metrics.messages_received_per_topics.labels(topic=tp.topic).inc(count)
            self.messages_received_total += count
            self.messages_received_by_topic[tp.topic] += count
        read, self._read_offsets = self._read_offsets, {}
        for tp, offset in read.items():
            metrics.messages_received_per_topics_partition.labels(topic=tp.topic, partition=tp.partition).set(offset)
            self.tp_read_offsets[tp] = offset
        end, self._end_offsets = self._end_offsets, {}
        for tp, offset in end.items():
            metrics.topic_partition_end_offset.labels(topic=tp.topic, partition=tp.partition).set(offset)
            self.tp_end_offsets[tp] = offset


class FlushOnCollect(Collector):
    """A collector without series of its own that flushes the monitor when the registry is collected. Register
    it before the faust metrics: a registry collects its collectors in registration order, so the scrape that
    flushes also shows the flushed counts."""

    def __init__(self) -> None:
        self.monitor: BatchedPrometheusMonitor | None = None

    def collect(self) -> Iterable[Any]:
        if self.monitor is not None:
            self.monitor.flush()
        return ()


def batched_prometheus_monitor(registry: CollectorRegistry, prefix: str) -> BatchedPrometheusMonitor:
    """The monitor, its metrics ``<prefix>_*`` registered in ``registry`` after the collector that flushes it."""
    flusher = FlushOnCollect()
    registry.register(flusher)
    monitor = BatchedPrometheusMonitor(metrics=conventional_faust_metrics(registry, prefix))
    flusher.monitor = monitor
    return monitor
