"""What a detection step hands back to the agent: events to publish, then state to persist.

The agent publishes ``alerts``, ``digests`` and ``dead_letters`` and waits for the broker to acknowledge them, *then*
writes ``writes`` to the table (its changelog), *then* lets faust commit the input offsets (the order
:class:`~vigie.classifier.service.detection_contract.DetectionStep` states). After a crash at any point the
re-processed records either find their effect already in the table (skipped) or produce the same alert events
again (same deterministic ``event_id``: consumers deduplicate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from vigie.schemas import AlertEvent, DeadLetter, DigestEvent, Severity

#: The per-record step that raised an unexpected exception (the record became a dead letter).
Stage = Literal["decode", "detection", "digest"]


@dataclass(frozen=True, slots=True)
class EmittedAlert:
    """An alert event and the processing time its triggering mention was collected at (for latency)."""

    event: AlertEvent
    trigger_collected_at: datetime | None


@dataclass(frozen=True, slots=True)
class StateWrite:
    """A table entry to persist; ``partition`` is the input partition it belongs to (changelog partition)."""

    partition: int
    key: str
    value: bytes


@dataclass
class DetectionOutcome:
    """One batch's effects (in the order they must happen: see the module docstring) and its counts."""

    alerts: list[EmittedAlert] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    #: Territory digests of the periods the batch closed (event time), oldest first per partition.
    digests: list[DigestEvent] = field(default_factory=list)
    writes: list[StateWrite] = field(default_factory=list)
    #: Mentions older than the allowed lateness (counted, otherwise ignored).
    late_mentions: int = 0
    #: Records whose effect was already in the table (re-delivered after a crash).
    replayed_records: int = 0
    #: Mentions whose digest periods were already closed (counted in no digest).
    digest_late_mentions: int = 0
    #: Mentions already counted for their territory (same mention id), skipped.
    duplicate_mentions: int = 0
    #: Mentions published too far after their collection, counted at their collection time.
    clamped_mentions: int = 0
    #: Mentions the decision cascade re-scored with the stronger model (see ``detection.rescoring``).
    rescored_mentions: int = 0
    #: Input partitions whose log was found restarted below the applied offsets (their records then processed).
    log_restarts: list[int] = field(default_factory=list)
    #: Records whose step raised an unexpected exception (dead-lettered), per stage.
    failures: dict[Stage, int] = field(default_factory=dict)
    #: Territory -> severity of its open incident (None: no open incident), for those that changed.
    open_incidents: dict[str, Severity | None] = field(default_factory=dict)
