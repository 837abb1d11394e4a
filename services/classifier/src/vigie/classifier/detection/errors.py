"""Exceptions of the detection core.

DetectionError                 base of every error raised by ``vigie.classifier.detection``
├── UnknownTerritoryError      a mention names a territory absent from the configuration: permanent,
│                              dead-letter the record (reason ``unknown_territory``), never retry.
└── InvalidSeriesError         a volume-mode input row cannot be read (bad timestamp or value): permanent.
"""

from __future__ import annotations


class DetectionError(Exception):
    """Base of every error raised by the detection core. All of them are permanent (dead-letter, never retry)."""

    #: A short machine-readable reason, used as the dead-letter reason and as a bounded metric label.
    reason: str = "detection_error"


class UnknownTerritoryError(DetectionError):
    """The mention's ``territory_id`` is not in the territories configuration."""

    reason = "unknown_territory"

    def __init__(self, territory_id: str) -> None:
        super().__init__(f"unknown territory {territory_id!r}: not in the territories configuration")
        self.territory_id = territory_id


class InvalidSeriesError(DetectionError):
    """A row of a count series (``timestamp,value``) is malformed."""

    reason = "invalid_series"
