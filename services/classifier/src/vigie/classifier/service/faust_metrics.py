"""faust's Prometheus metrics under names that follow Prometheus conventions.

faust's own ``FaustMetrics.create`` exports ``*_total_events_total``, ``*_events_runtime_ms`` and other
histograms in milliseconds without a unit, and ``*_offset_commited``: ``promtool check metrics`` flags them and
they read badly beside the service's own ``vigie_classifier_*`` metrics. :func:`conventional_faust_metrics`
builds the same :class:`~faust.sensors.prometheus.FaustMetrics` tuple (faust's monitor updates it unchanged)
with conventional names: counters named for what they count (``_total`` added by the client), latencies as
``*_seconds`` histograms (faust observes milliseconds; :class:`MillisecondsToSeconds` converts), offsets named
``*_offset``.
"""

from __future__ import annotations

from faust.sensors.prometheus import MS_LATENCY_BUCKETS, FaustMetrics
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

SECONDS_BUCKETS = tuple(bucket / 1000 for bucket in MS_LATENCY_BUCKETS if bucket != float("inf"))


class MillisecondsToSeconds:
    """A histogram faust can observe in milliseconds, exported in seconds."""

    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram

    def observe(self, milliseconds: float) -> None:
        self._histogram.observe(milliseconds / 1000.0)


def _seconds(registry: CollectorRegistry, name: str, documentation: str) -> Histogram:
    histogram = Histogram(name, documentation, registry=registry, buckets=SECONDS_BUCKETS)
    return MillisecondsToSeconds(histogram)  # type: ignore[return-value]  # faust only calls observe()


def conventional_faust_metrics(registry: CollectorRegistry, prefix: str) -> FaustMetrics:
    """faust's metrics tuple, registered in ``registry`` as ``<prefix>_*`` with conventional names."""
    p = prefix
    return FaustMetrics(
        messages_received=Counter(f"{p}_messages_received", "Messages received", registry=registry),
        active_messages=Gauge(f"{p}_active_messages", "Messages being processed", registry=registry),
        messages_received_per_topics=Counter(
            f"{p}_messages_received_per_topic", "Messages received per topic", ["topic"], registry=registry
        ),
        messages_received_per_topics_partition=Gauge(
            f"{p}_topic_partition_read_offset",
            "Last offset read per topic/partition",
            ["topic", "partition"],
            registry=registry,
        ),
        events_runtime_latency=_seconds(registry, f"{p}_event_runtime_seconds", "Time to process one event"),
        total_events=Counter(f"{p}_events", "Stream events received", registry=registry),
        total_active_events=Gauge(f"{p}_active_events", "Stream events being processed", registry=registry),
        total_events_per_stream=Counter(
            f"{p}_stream_events", "Stream events received per stream", ["stream"], registry=registry
        ),
        table_operations=Counter(
            f"{p}_table_operations", "Table operations", ["table", "operation"], registry=registry
        ),
        topic_messages_sent=Counter(
            f"{p}_topic_messages_sent", "Messages sent per topic", ["topic"], registry=registry
        ),
        total_sent_messages=Counter(f"{p}_messages_sent", "Messages sent", registry=registry),
        producer_send_latency=_seconds(registry, f"{p}_producer_send_seconds", "Time to send one message"),
        total_error_messages_sent=Counter(f"{p}_send_errors", "Messages whose send failed", registry=registry),
        producer_error_send_latency=_seconds(registry, f"{p}_producer_error_send_seconds", "Time until a send failed"),
        assignment_operations=Counter(
            f"{p}_assignment_operations",
            "Partition assignments (completed/error)",
            ["operation"],
            registry=registry,
        ),
        assign_latency=_seconds(registry, f"{p}_assignment_seconds", "Time to take a partition assignment"),
        total_rebalances=Gauge(f"{p}_rebalances", "Rebalances in progress", registry=registry),
        total_rebalances_recovering=Gauge(
            f"{p}_rebalances_recovering", "Rebalances recovering tables", registry=registry
        ),
        rebalance_done_consumer_latency=_seconds(
            registry, f"{p}_rebalance_consumer_done_seconds", "Time until the consumer reported a rebalance done"
        ),
        rebalance_done_latency=_seconds(registry, f"{p}_rebalance_done_seconds", "Time to finish a rebalance"),
        count_metrics_by_name=Gauge(f"{p}_metrics_by_name", "Metrics by name", ["metric"], registry=registry),
        http_status_codes=Counter(
            f"{p}_http_responses", "HTTP responses by status code", ["status_code"], registry=registry
        ),
        http_latency=_seconds(registry, f"{p}_http_response_seconds", "Time to answer an HTTP request"),
        topic_partition_end_offset=Gauge(
            f"{p}_topic_partition_end_offset",
            "End offset per topic/partition",
            ["topic", "partition"],
            registry=registry,
        ),
        topic_partition_offset_commited=Gauge(
            f"{p}_topic_partition_committed_offset",
            "Committed offset per topic/partition",
            ["topic", "partition"],
            registry=registry,
        ),
        consumer_commit_latency=_seconds(registry, f"{p}_consumer_commit_seconds", "Time to commit offsets"),
    )
