"""Prometheus metrics of the notifier (bounded labels only)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.notifications = Counter(
            "vigie_notifier_notifications_total",
            "Notifications by integration and outcome (delivered, failed, silenced, suppressed, retried).",
            ["integration", "outcome"],
            registry=registry,
        )
        self.delivery_latency = Histogram(
            "vigie_notifier_delivery_latency_seconds",
            "Time an integration took to deliver one notification (successful attempts).",
            ["integration"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.pending_retries = Gauge(
            "vigie_notifier_pending_retries", "Notifications waiting for a retry.", registry=registry
        )
        self.silenced = Counter("vigie_notifier_silenced_total", "Notifications muted by a silence.", registry=registry)
        self.suppressed = Counter(
            "vigie_notifier_suppressed_total",
            "Notifications not sent: quiet_hours, never_notified, duplicate.",
            ["reason"],
            registry=registry,
        )
        self.deadletters = Counter(
            "vigie_notifier_deadletters_total",
            "Records and notifications sent to the dead-letter topic, by error class.",
            ["reason"],
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "vigie_notifier_consumer_lag",
            "Alerts not yet read, per partition.",
            ["topic", "partition"],
            registry=registry,
        )
        self.alerts = Counter(
            "vigie_notifier_alerts_total", "Alert events consumed, by transition.", ["transition"], registry=registry
        )
        self.log_size = Gauge(
            "vigie_notifier_log_notifications", "Notifications known to the notification log.", registry=registry
        )
        self.held_records = Gauge(
            "vigie_notifier_unfinished_records",
            "Alert records not committed yet (waiting or retrying).",
            registry=registry,
        )
        self.digests = Counter(
            "vigie_notifier_digests_total",
            "Digest deliveries by integration and outcome (delivered, failed, retried).",
            ["integration", "outcome"],
            registry=registry,
        )
        self.digests_known = Gauge(
            "vigie_notifier_digests_known",
            "Digests held for scheduled delivery (latest per territory, period and start).",
            registry=registry,
        )
        self.digest_events = Counter(
            "vigie_notifier_digest_events_total",
            "Digest events read from vigie.digests.v1, by period.",
            ["period"],
            registry=registry,
        )
