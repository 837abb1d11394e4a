"""Every Prometheus metric of the classifier service (faust's own sensor adds ``vigie_classifier_faust_*``).

Labels are bounded: languages are ISO codes chosen by the identifier, sentiments and transitions are closed
sets, territories are the configured ones (the open-incident gauge), partitions are the topic's.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

#: Scoring a batch takes milliseconds to a second.
SCORING_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
#: From collection to alert: sub-second to minutes (a replay makes it hours: +Inf).
ALERT_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)


class ClassifierMetrics:
    """The ``vigie_classifier_*`` metrics, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.mentions_scored = Counter(
            "vigie_classifier_mentions_scored_total",
            "Mentions scored and published to the scored-mentions topic.",
            ["language", "sentiment"],
            registry=registry,
        )
        self.alerts = Counter(
            "vigie_classifier_alerts_total",
            "Alert events published, by lifecycle transition and severity.",
            ["transition", "severity"],
            registry=registry,
        )
        self.open_incidents = Gauge(
            "vigie_classifier_open_incidents",
            "Incidents open now (1) or not (0), by territory and severity, on the partitions this worker owns.",
            ["territory", "severity"],
            registry=registry,
        )
        self.late_mentions = Counter(
            "vigie_classifier_late_mentions_total",
            "Mentions older than the allowed lateness: counted here, otherwise ignored by detection.",
            registry=registry,
        )
        self.deadletters = Counter(
            "vigie_classifier_deadletters_total",
            "Records sent to the dead-letter topic, by error class.",
            ["reason"],
            registry=registry,
        )
        self.scoring_seconds = Histogram(
            "vigie_classifier_scoring_seconds",
            "Time to identify languages and score sentiment for one batch.",
            registry=registry,
            buckets=SCORING_BUCKETS,
        )
        self.batch_size = Histogram(
            "vigie_classifier_batch_size",
            "Records per processed batch, by stage.",
            ["stage"],
            registry=registry,
            buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000),
        )
        self.checkpoint_seconds = Histogram(
            "vigie_classifier_checkpoint_seconds",
            "Time to serialise one detection checkpoint (the states changed since the last one) into the table.",
            registry=registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.checkpoint_pending = Gauge(
            "vigie_classifier_checkpoint_pending_records",
            "Scored mentions applied by detection since its last checkpoint (re-applied after a crash; their "
            "offsets are not committed yet).",
            registry=registry,
        )
        self.checkpoint_writes = Counter(
            "vigie_classifier_checkpoint_writes_total",
            "Detector-table entries written to the changelog by detection checkpoints.",
            registry=registry,
        )
        self.alert_latency = Histogram(
            "vigie_classifier_alert_latency_seconds",
            "Wall time from the triggering mention's collected_at to the alert event being produced.",
            registry=registry,
            buckets=ALERT_LATENCY_BUCKETS,
        )
        self.consumer_lag = Gauge(
            "vigie_classifier_consumer_lag",
            "Records not yet processed (high watermark - position), by topic and partition.",
            ["topic", "partition"],
            registry=registry,
        )
        self.rescored_mentions = Counter(
            "vigie_classifier_rescored_mentions_total",
            "Mentions detection re-scored with the accurate model (uncertain labels of territories under test: the "
            "decision cascade); compare with the mentions detected to see the share.",
            registry=registry,
        )
        self.digests = Counter(
            "vigie_classifier_digests_total",
            "Territory digests published to vigie.digests.v1, by period kind.",
            ["period"],
            registry=registry,
        )
        self.digest_late_mentions = Counter(
            "vigie_classifier_digest_late_mentions_total",
            "Mentions whose digest periods had already closed: counted in no digest.",
            registry=registry,
        )
        self.replayed_records = Counter(
            "vigie_classifier_replayed_records_total",
            "Records seen again after a restart whose effect was already in the table, hence skipped.",
            registry=registry,
        )
        self.stale_records = Counter(
            "vigie_classifier_stale_records_total",
            "Scored mentions handed to detection after their partition was revoked (fetched before the rebalance): "
            "neither applied nor acknowledged, their partition's next owner reads them again.",
            registry=registry,
        )
        self.record_failures = Counter(
            "vigie_classifier_record_failures_total",
            "Records whose own processing raised an unexpected error, by stage (decode, scoring, encode, "
            "detection, digest): each became a dead letter, and the batch went on without it.",
            ["stage"],
            registry=registry,
        )
        self.clamped_mentions = Counter(
            "vigie_classifier_clamped_mentions_total",
            "Mentions published more than max_future_skew_s after their collection: detected at their collected_at.",
            registry=registry,
        )
        self.duplicate_mentions = Counter(
            "vigie_classifier_duplicate_mentions_total",
            "Mentions whose id was already counted for their territory (delivered twice): skipped by detection.",
            registry=registry,
        )
        self.offset_resets = Counter(
            "vigie_classifier_offset_resets_total",
            "Partitions whose log restarted (the broker lost its data): below the offset detection had checkpointed "
            "(its bookkeeping was reset and the records processed), or below the consumer's position (rewound to "
            "the log's first record).",
            registry=registry,
        )
        self.stalled = Gauge(
            "vigie_classifier_stalled",
            "1 while a stage makes no progress although it has work (stage consume: an agent with lag; recovery: "
            "table recovery; rebalance: a consumer-group rebalance that does not complete): /healthz fails then.",
            ["stage"],
            registry=registry,
        )
