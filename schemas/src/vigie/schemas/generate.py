"""Generate the committed contract documents from the models: ``python -m vigie.schemas.generate``.

Writes ``schemas/jsonschema/<topic>.json`` (JSON Schema 2020-12, one per topic payload),
``schemas/jsonschema/territories.json`` (the territory configuration) and ``schemas/asyncapi.yaml``
(AsyncAPI 3.0: every topic, its key, CloudEvents headers and message). A test regenerates them in memory
and fails when the committed files have drifted from the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from vigie.schemas._base import Contract
from vigie.schemas.registry import TOPICS, TopicSpec
from vigie.schemas.territory import TerritoryConfig

#: ``schemas/`` in the source tree (this file is ``schemas/src/vigie/schemas/generate.py``).
SCHEMAS_DIR = Path(__file__).resolve().parents[3]
JSONSCHEMA_DIR = SCHEMAS_DIR / "jsonschema"
ASYNCAPI_PATH = SCHEMAS_DIR / "asyncapi.yaml"
EXAMPLES_DIR = SCHEMAS_DIR / "examples"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(model: type[Contract], schema_id: str) -> dict[str, Any]:
    """The JSON Schema 2020-12 document of a model."""
    schema = model.model_json_schema(mode="validation", ref_template="#/$defs/{model}")
    return {"$schema": DIALECT, "$id": schema_id, **schema}


def schema_file_name(spec: TopicSpec) -> str:
    return f"{spec.name}.json"


def jsonschema_documents() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema document, for every topic and the territory configuration."""
    documents = {
        schema_file_name(spec): json_schema(spec.value_model, f"https://vigie.example/schemas/{spec.name}.json")
        for spec in TOPICS.values()
    }
    documents["territories.json"] = json_schema(TerritoryConfig, "https://vigie.example/schemas/territories.json")
    return documents


_HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes in binary content mode (Kafka protocol binding).",
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "content-type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "Unique per event, stable across re-sends."},
        "ce_type": {"type": "string", "description": "org.vigie.<kind>[.<transition>].v1"},
        "ce_source": {"type": "string", "description": "The producing service, e.g. /vigie/collector."},
        "ce_time": {"type": "string", "format": "date-time", "description": "Event time of the payload."},
        "ce_subject": {
            "type": "string",
            "description": "The territory id (the failing topic for dead letters).",
        },
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document describing every topic for integrators."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for spec in TOPICS.values():
        channel_id = spec.name.replace(".", "_")
        message_id = spec.value_model.__name__
        schemas[message_id] = {"$ref": f"./jsonschema/{schema_file_name(spec)}"}
        messages[message_id] = {
            "name": message_id,
            "title": message_id,
            "summary": (spec.value_model.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventsHeaders"},
            "payload": {"$ref": f"#/components/schemas/{message_id}"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": f"The payload's `{spec.key_field}`."},
                    "bindingVersion": "0.5.0",
                }
            },
            "x-cloudevents-types": list(spec.event_types()),
        }
        channels[channel_id] = {
            "address": spec.name,
            "description": spec.description,
            "messages": {message_id: {"$ref": f"#/components/messages/{message_id}"}},
            "bindings": {
                "kafka": {
                    "topic": spec.name,
                    "partitions": spec.partitions,
                    "topicConfiguration": {
                        "cleanup.policy": [spec.cleanup_policy],
                        "retention.ms": spec.retention_ms,
                    },
                    "bindingVersion": "0.5.0",
                }
            },
            "x-key": spec.key_field,
            "x-producers": list(spec.producers),
            "x-consumers": list(spec.consumers),
            **({"x-dead-letter": spec.dead_letter} if spec.dead_letter else {}),
        }
        operations[f"receive_{channel_id}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"Subscribe to {spec.name}.",
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{message_id}"}],
        }
    schemas["CloudEventsHeaders"] = _HEADERS_SCHEMA
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Vigie event contracts",
            "version": "1.0.0",
            "description": (
                "Topics of Vigie, e-reputation crisis alerting for territories. Values are JSON; CloudEvents "
                "attributes travel as Kafka headers (binary content mode). Payload schemas are the JSON Schema "
                "2020-12 files beside this document."
            ),
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "localhost:9092",
                "protocol": "kafka",
                "description": "Set KAFKA_BOOTSTRAP_SERVERS for the broker of your deployment.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def render_asyncapi() -> str:
    header = "# Generated by `make schemas` (python -m vigie.schemas.generate). Do not edit by hand.\n"
    return header + yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True, width=110)


def expected_files() -> dict[Path, str]:
    """Every generated file and its expected content."""
    files = {JSONSCHEMA_DIR / name: render_json(doc) for name, doc in jsonschema_documents().items()}
    files[ASYNCAPI_PATH] = render_asyncapi()
    return files


def main() -> int:
    JSONSCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for path, content in expected_files().items():
        path.write_text(content, encoding="utf-8")
        print(f"wrote {path.relative_to(SCHEMAS_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
