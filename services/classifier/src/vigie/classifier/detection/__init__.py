"""Crisis detection core: event-time, seasonal, overdispersed surge detection of negative mentions.

Pure Python (no Kafka, no faust, no wall clock), deterministic, with JSON-serialisable per-territory state.

* :class:`DetectionEngine` (mention mode): ``observe(mention, state)`` / ``advance(territory, watermark, state)``.
* :class:`PartitionDriver`: drives the engine over one partition of ``vigie.mentions.scored.v1`` in order,
  with the watermark semantics shared by the classifier service and ``vigie backtest``.
* :class:`SeriesDetector` (volume mode): a plain count series, behind ``vigie detect-series``.

The state's shape is typed in :mod:`~vigie.classifier.detection.state` (TypedDicts); it is read from and
written to JSON with :mod:`~vigie.classifier.detection.state_codec` (format version checked, older layouts
migrated).
"""

from vigie.classifier.detection.engine import DetectionEngine, DetectorSettings
from vigie.classifier.detection.errors import DetectionError, InvalidSeriesError, UnknownTerritoryError
from vigie.classifier.detection.partition import AdmissionSettings, PartitionDriver

__all__ = [
    "AdmissionSettings",
    "DetectionEngine",
    "DetectionError",
    "DetectorSettings",
    "InvalidSeriesError",
    "PartitionDriver",
    "UnknownTerritoryError",
]
