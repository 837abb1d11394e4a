"""Every topic the classifier worker reads or writes, so they can all be created before it starts.

Brokers that auto-create topics do it with their default partition count (Tansu: always 4), which breaks
co-partitioning, so the worker never declares topics itself (faust ``topic_allow_declare=False``, leader
topic disabled): ``vigie classifier topics`` (or the worker at start-up) creates the registry topics it uses
and its internal ones:

* ``<app id>-detector-state-changelog``: the changelog of the detection table, one partition per
  partition of ``vigie.mentions.scored.v1`` (faust restores partition *p* of the table from partition *p*).
"""

from __future__ import annotations

from vigie.runtime.topics import TopicRequest
from vigie.schemas import ALERTS, DEADLETTER, DIGESTS, MENTIONS_RAW, MENTIONS_SCORED, TOPICS

#: Name of the faust table holding the detector state of each territory and partition.
DETECTOR_TABLE = "detector-state"

#: Registry topics the worker consumes or produces.
USED_TOPICS = (MENTIONS_RAW, MENTIONS_SCORED, ALERTS, DIGESTS, DEADLETTER)


def changelog_topic(app_id: str) -> str:
    """Faust's name for the changelog of the detection table."""
    return f"{app_id}-{DETECTOR_TABLE}-changelog"


def internal_topics(app_id: str, replication_factor: int = 1) -> list[TopicRequest]:
    """The worker's own topics (compacted changelog, co-partitioned with the scored mentions)."""
    return [
        TopicRequest(
            name=changelog_topic(app_id),
            partitions=TOPICS[MENTIONS_SCORED].partitions,
            replication_factor=replication_factor,
            configs=(("cleanup.policy", "compact"),),
        )
    ]


def worker_topics(app_id: str, replication_factor: int = 1, *, detecting: bool = True) -> list[TopicRequest]:
    """Every topic the worker needs: the registry topics it uses and, if it runs detection, its internal ones
    (a scoring-only worker has no table)."""
    used = [
        TopicRequest(
            name=spec.name,
            partitions=spec.partitions,
            replication_factor=replication_factor,
            configs=(("cleanup.policy", spec.cleanup_policy), ("retention.ms", str(spec.retention_ms))),
        )
        for name, spec in TOPICS.items()
        if name in USED_TOPICS
    ]
    return used + (internal_topics(app_id, replication_factor) if detecting else [])
