"""Vigie event contracts: the topic registry, payload models, codec and configuration formats.

Integrators can read the generated JSON Schemas (``schemas/jsonschema/``) and the AsyncAPI document
(``schemas/asyncapi.yaml``) without reading this code.
"""

from vigie.schemas.alert import (
    SEVERITY_RANK,
    AlertEvent,
    CountBy,
    Evidence,
    EvidenceMention,
    IncidentKind,
    SeriesPoint,
    Severity,
    Significance,
    TermWeight,
    Transition,
)
from vigie.schemas.codec import MAX_VALUE_BYTES, EncodedRecord, decode, decode_as, encode, header_value
from vigie.schemas.deadletter import DeadLetter, ErrorClass
from vigie.schemas.delivery import DeliveryReceipt, Integration, Outcome
from vigie.schemas.errors import ConfigError, DecodeError, VigieSchemaError
from vigie.schemas.mention import (
    Author,
    Engagement,
    RawMention,
    ScoredMention,
    Sentiment,
    SentimentScores,
    Source,
    SourceKind,
)
from vigie.schemas.registry import (
    ALERTS,
    DEADLETTER,
    DELIVERIES,
    MENTIONS_RAW,
    MENTIONS_SCORED,
    TOPICS,
    TopicSpec,
    topic,
)
from vigie.schemas.territory import (
    ContextRule,
    KnownEvent,
    SizeClass,
    Territory,
    TerritoryConfig,
    load_territories,
)

__all__ = [
    "ALERTS",
    "DEADLETTER",
    "DELIVERIES",
    "MAX_VALUE_BYTES",
    "MENTIONS_RAW",
    "MENTIONS_SCORED",
    "SEVERITY_RANK",
    "TOPICS",
    "AlertEvent",
    "Author",
    "ConfigError",
    "ContextRule",
    "CountBy",
    "DeadLetter",
    "DecodeError",
    "DeliveryReceipt",
    "EncodedRecord",
    "Engagement",
    "ErrorClass",
    "Evidence",
    "EvidenceMention",
    "IncidentKind",
    "Integration",
    "KnownEvent",
    "Outcome",
    "RawMention",
    "ScoredMention",
    "Sentiment",
    "SentimentScores",
    "SeriesPoint",
    "Severity",
    "Significance",
    "SizeClass",
    "Source",
    "SourceKind",
    "TermWeight",
    "Territory",
    "TerritoryConfig",
    "TopicSpec",
    "Transition",
    "VigieSchemaError",
    "decode",
    "decode_as",
    "encode",
    "header_value",
    "load_territories",
    "topic",
]
