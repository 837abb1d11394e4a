"""Exceptions of the collector, classified by what to do next.

CollectorError
├── FetchError            a source could not be read this time: back off (honouring ``retry_after``) and retry.
│                         ``reason`` is a short, bounded label for metrics (``timeout``, ``http_429``, ``parse``).
├── SinkError             the broker did not acknowledge records: nothing was saved, the batch is retried.
└── RejectedBatchError    a batch processed all or nothing holds an item that cannot become a mention: nothing
                          was emitted, claimed or remembered; the sender fixes the batch and resends it.
"""

from __future__ import annotations

from vigie.schemas import ErrorClass


class CollectorError(Exception):
    """Base of every error raised by ``vigie.collector``."""


class FetchError(CollectorError):
    """A retryable failure reading a source. ``retry_after`` (seconds) comes from the server when it said so."""

    def __init__(self, reason: str, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after


class SinkError(CollectorError):
    """Records were not acknowledged by the broker; cursors must not move."""


class RejectedBatchError(CollectorError):
    """Item ``index`` of an all-or-nothing batch cannot become a mention (``error_class``, ``reason``)."""

    def __init__(self, index: int, error_class: ErrorClass, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.error_class: ErrorClass = error_class
        self.reason = reason
