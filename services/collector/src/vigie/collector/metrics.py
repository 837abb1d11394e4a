"""Prometheus metrics of the collector. Labels are bounded: source kinds, short reason labels, HTTP codes."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class CollectorMetrics:
    """Every metric the collector exports, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.mentions = Counter(
            "vigie_collector_mentions_total",
            "Raw-mention records emitted (one per mention and territory), by source kind.",
            ["source"],
            registry=registry,
        )
        self.items = Counter(
            "vigie_collector_items_total",
            "Items read from the sources, before matching and dedup, by source kind.",
            ["source"],
            registry=registry,
        )
        self.fetch_errors = Counter(
            "vigie_collector_fetch_errors_total",
            "Failed reads of a source, by source kind and reason (timeout, http_429, parse, ...).",
            ["source", "reason"],
            registry=registry,
        )
        self.last_success = Gauge(
            "vigie_collector_last_success_timestamp_seconds",
            "Unix time of the last successful read of a source kind (alert when stale).",
            ["source"],
            registry=registry,
        )
        self.match_outcomes = Counter(
            "vigie_collector_match_outcomes_total",
            "Territory matching outcomes per item: matched, rejected (exclusion/context), unmatched, preset.",
            ["outcome"],
            registry=registry,
        )
        self.duplicates = Counter(
            "vigie_collector_duplicates_total",
            "Duplicates: 'id' dropped (same mention again), 'text' kept and marked duplicate_of.",
            ["kind"],
            registry=registry,
        )
        self.deadletters = Counter(
            "vigie_collector_deadletters_total",
            "Inputs sent to the dead-letter topic, by error class.",
            ["reason"],
            registry=registry,
        )
        self.dates_clamped = Counter(
            "vigie_collector_dates_clamped_total",
            "Mentions whose claimed publication date was out of range (future beyond the allowed skew, before "
            "the floor, or unrepresentable) and was set to the collection time, by source kind.",
            ["source"],
            registry=registry,
        )
        self.webhook_requests = Counter(
            "vigie_collector_webhook_requests_total",
            "Webhook ingest requests by HTTP status.",
            ["status"],
            registry=registry,
        )
        self.produce_seconds = Histogram(
            "vigie_collector_produce_seconds",
            "Time from handing a batch to the broker to its acknowledgement.",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.source_up = Gauge(
            "vigie_collector_source_up",
            "1 while the last read of a source kind succeeded, 0 while it is backing off.",
            ["source"],
            registry=registry,
        )
