"""The contract of a detection step: what the classifier's detection agent may expect of the object it hands
scored-mention records to (:class:`~vigie.classifier.service.detection_step.EngineDetectionStep` implements it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from vigie.classifier.service.detection_outcome import DetectionOutcome, StateWrite
from vigie.classifier.service.records import InboundRecord


class DetectionStep(Protocol):
    """Detection over batches of scored-mention records, against the state in ``table``.

    Contract: records of one partition are processed in offset order; the step reads ``table`` (the
    restored table of this worker's partitions) but never writes it: the writes are returned (by ``process``
    with ``checkpoint``, or by :meth:`checkpoint` for the batches applied since the last one), to be persisted
    only after the alert events are acknowledged, and before the input offsets are committed.
    Deterministic: the same records on the same state give the same outcome.
    """

    def process(
        self,
        records: Sequence[InboundRecord],
        table: Mapping[str, bytes],
        *,
        checkpoint: bool = True,
        log_end: Callable[[int], int | None] | None = None,
    ) -> DetectionOutcome:
        """Decode, dedup, detect; see the class docstring. ``log_end``: a partition's high watermark, when known
        (to recognise a log that restarted from offset 0)."""
        ...

    @property
    def pending(self) -> bool:
        """Whether records were applied since the last checkpoint."""
        ...

    def checkpoint(self) -> list[StateWrite]:
        """The writes of every record applied since the last checkpoint."""
        ...

    def abandon(self) -> None:
        """Forget what was applied since the last checkpoint (it will be re-delivered)."""
        ...
