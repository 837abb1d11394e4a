"""The classifier service's one settings object, parsed once at the entry point (``vigie classifier run``).

Every field reads ``VIGIE_CLASSIFIER_<FIELD>`` (nested Kafka settings: ``KAFKA_BOOTSTRAP_SERVERS`` or
``VIGIE_KAFKA_*``). Defaults suit Apache Kafka in production; ``tansu_compat`` switches on the workarounds
the embedded Tansu broker needs (see BROKER.md).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from vigie.runtime.settings import ServiceSettings


class ClassifierSettings(ServiceSettings):
    """How the classifier worker runs: identity, batching, broker tuning, table durability."""

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", env_prefix="VIGIE_CLASSIFIER_", env_nested_delimiter="__"
    )

    territories_file: Path = Field(default=Path("config/territories.yaml"), description="The territories file (YAML).")
    app_id: str = Field(
        default="vigie-classifier",
        pattern=r"^[a-z0-9][a-z0-9.-]{0,100}$",
        description="Faust application id: the consumer group and the prefix of the internal topics.",
    )
    role: Literal["all", "scoring", "detection"] = Field(
        default="all",
        description="Which agents this worker runs. One process is one core: run a 'scoring' and a "
        "'detection' deployment (each with its own app_id) to use two, or more workers of each.",
    )
    sentiment_preset: Literal["fast", "accurate", "cascade"] = Field(
        default="fast",
        description="Sentiment model preset. 'fast' (default) keeps 5,000 mentions/s on 2 cores; 'cascade' and "
        "'accurate' add a sentence encoder (more accurate, tens to hundreds of mentions/s: low-volume deployments "
        "only; see the sentiment MODEL_CARD.md).",
    )
    decision_cascade: Literal["off", "auto", "on"] = Field(
        default="off",
        description="Detection re-scores the uncertain mentions of territories under test (an open incident, or an "
        "evaluation near the raise score in the last hour) with the 'accurate' model and counts its label (see "
        "vigie.classifier.detection.rescoring). Off by default: on held-out crisis scenarios it caught 0-2 more crises "
        "of 60 and raised twice as many false ones (benchmarks/RESULTS.md). 'auto': on in a detection-only worker (role=detection), "
        "off in a role=all worker, whose RSS (270-280 MB) the e5 encoder (~25 MB, loaded on the first re-score) would "
        "take to the 300 MB line; 'on' forces it. The published scored mentions keep the scoring stage's label.",
    )
    decision_cascade_budget_per_hour: int = Field(
        default=60,
        ge=0,
        le=100_000,
        description="Re-scores per territory per event-time hour at most (each ~25-50 ms of one core).",
    )
    decision_cascade_partition_budget_per_minute: int = Field(
        default=20,
        ge=0,
        le=100_000,
        description="Re-scores per input partition per event-time minute at most, all its territories together: "
        "the bound on the detection worker's CPU when many territories are under test at once.",
    )
    scoring_batch_size: int = Field(default=500, ge=1, le=20_000, description="Mentions scored per batch.")
    scoring_batch_within_s: float = Field(
        default=0.05, gt=0, le=10, description="Longest wait for a batch to fill before scoring what is there."
    )
    fetch_max_wait_ms: int = Field(
        default=100,
        ge=10,
        le=10_000,
        description="Longest time the broker may hold a fetch that found no record (Tansu holds it that long even "
        "if records arrive meanwhile; Apache Kafka answers as soon as they do).",
    )
    scoring_batches_in_flight: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Scored batches handed to the producer and not yet acknowledged by the broker while the next "
        "batch is scored (their input offsets are committed only once acknowledged).",
    )
    detection_batch_size: int = Field(
        default=1000,
        ge=1,
        le=20_000,
        description="Scored mentions per detection batch (alerts are published at the end of each batch).",
    )
    detection_batch_within_s: float = Field(default=0.1, gt=0, le=10)
    checkpoint_interval_s: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="How often the detection state changed since the last checkpoint is written to the table's "
        "changelog (each changed territory once, however many batches changed it); the input offsets of those "
        "batches are committed only after. Longer: less changelog traffic, more records replayed after a crash.",
    )
    checkpoint_max_records: int = Field(
        default=20_000,
        ge=1,
        le=1_000_000,
        description="Checkpoint sooner once this many records were applied since the last checkpoint.",
    )
    digests_enabled: bool = Field(
        default=True,
        description="Publish territory digests (vigie.digests.v1) from the detection agent; their state is "
        "checkpointed in the detector table.",
    )
    digest_grace_s: float = Field(
        default=1800.0,
        ge=0,
        le=86_400,
        description="Event-time delay after a period's end before its digest closes (for late mentions).",
    )
    digest_pseudonymise: bool = Field(
        default=False,
        description="Hash author identities in the digests (keyed by digest_pseudonymise_key), mask handles, "
        "drop post URLs.",
    )
    digest_pseudonymise_key: SecretStr | None = Field(
        default=None,
        description="HMAC key of the pseudonyms; required with digest_pseudonymise, and stable (the checkpointed "
        "digest state holds hashed identities). Use the same as `vigie digest` (VIGIE_DIGEST_PSEUDONYMISE_KEY) "
        "for backfills to match.",
    )
    max_future_skew_s: float = Field(
        default=300.0,
        ge=0,
        le=10 * 366 * 86400,
        description="A mention published more than this after its collected_at is counted by detection (and the "
        "digests) at its collected_at, and a raw record whose collected_at is more than this after its Kafka "
        "timestamp is scored as collected at that timestamp: one record with far-future dates cannot move event "
        "time. Raise it only to replay a scripted scenario dated after the day it is replayed (the demo).",
    )
    max_event_age_s: float = Field(
        default=3650 * 86400.0,
        ge=0,
        le=100 * 366 * 86400,
        description="A mention published more than this before its collected_at is late: counted, not detected.",
    )
    seen_mentions_per_territory: int = Field(
        default=2048,
        ge=4,
        le=1_000_000,
        description="Mention ids remembered per territory (within the allowed lateness) so that a mention delivered "
        "twice counts once; checkpointed with the detector state.",
    )
    stall_timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="/healthz and /readyz fail when an agent has records waiting (lag) but has processed none for "
        "this long, or table recovery or a consumer-group rebalance has made no progress for this long: a stuck "
        "worker gets restarted.",
    )
    commit_interval_s: float = Field(default=1.0, gt=0, le=60, description="How often faust commits offsets.")
    broker_session_timeout_s: float = Field(default=10.0, gt=0, le=300)
    broker_heartbeat_interval_s: float = Field(default=1.0, gt=0, le=60)
    tansu_compat: bool = Field(
        default=False,
        description="Tansu workarounds: faust's own producer in batches of one record (Tansu's end offsets are "
        "wrong after a batched produce and table recovery would lose records). The detector table's changelog "
        "does not depend on it: it is written in batches that end with a record alone (see "
        "vigie.classifier.service.changelog).",
    )
    faust_sensor: bool = Field(default=True, description="Export faust's own Prometheus metrics.")
    faust_sensor_per_message: bool = Field(
        default=False,
        description="faust's Prometheus sensor as faust ships it, updating its series on every message (active "
        "messages and events, events per stream, event latency too): ~30 µs more CPU per record and agent. Off, "
        "messages received and offsets are counted per message in plain counters and exported at each scrape "
        "(see vigie.classifier.service.faust_sensor).",
    )
    event_loop: Literal["uvloop", "asyncio"] = Field(
        default="uvloop",
        description="The worker's event loop. uvloop's takes ~15 % less CPU per record through faust's "
        "per-message path (several tasks and queue hand-offs per record) than asyncio's (benchmarks/faust_ceiling.py).",
    )
    lag_interval_s: float = Field(default=5.0, gt=0, le=300, description="How often consumer lag is measured.")
    shutdown_timeout_s: float = Field(default=10.0, gt=0, le=300)
    replication_factor: int = Field(default=1, ge=1, le=5, description="Of the internal topics it creates.")
    data_dir: Path = Field(
        default=Path(tempfile.gettempdir()) / "vigie-classifier",
        description="faust's data directory (the table lives in memory and its changelog: nothing durable is "
        "kept there); under the system temporary directory so that a worker leaves nothing where it is started.",
    )

    @model_validator(mode="after")
    def _pseudonyms_need_a_key(self) -> ClassifierSettings:
        if self.digests_enabled and self.digest_pseudonymise and not self.digest_pseudonymise_key:
            raise ValueError("digest_pseudonymise needs digest_pseudonymise_key (a stable secret)")
        return self

    @property
    def producer_max_batch_size(self) -> int:
        """1 on Tansu (table durability), faust's default (16 KiB) otherwise."""
        return 1 if self.tansu_compat else 16384
