"""The committed JSON Schemas, AsyncAPI document and examples agree with the models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from vigie.schemas import TOPICS, decode, encode
from vigie.schemas.generate import ASYNCAPI_PATH, EXAMPLES_DIR, JSONSCHEMA_DIR, SCHEMAS_DIR, expected_files


def test_generated_files_have_not_drifted_from_the_models() -> None:
    drifted = [
        str(path.relative_to(SCHEMAS_DIR))
        for path, content in expected_files().items()
        if not path.exists() or path.read_text(encoding="utf-8") != content
    ]
    assert not drifted, f"regenerate with `make schemas` and commit: {drifted}"


def test_no_stray_schema_files() -> None:
    expected = {path.name for path in expected_files() if path.parent == JSONSCHEMA_DIR}
    assert {p.name for p in JSONSCHEMA_DIR.glob("*.json")} == expected


def _examples() -> list[tuple[str, Path]]:
    return [(topic, path) for topic in TOPICS for path in sorted((EXAMPLES_DIR / topic).glob("*.json"))]


def test_every_topic_has_examples() -> None:
    assert {topic for topic, _ in _examples()} == set(TOPICS)


@pytest.mark.parametrize(("topic", "path"), _examples(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_example_validates_against_model_and_json_schema(topic: str, path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads((JSONSCHEMA_DIR / f"{topic}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    model = TOPICS[topic].value_model.model_validate(data)
    record = encode(topic, model, source="/vigie/test")
    assert decode(topic, record.value, record.headers) == model


def test_json_schema_rejects_what_the_model_rejects() -> None:
    schema = json.loads((JSONSCHEMA_DIR / "vigie.mentions.raw.v1.json").read_text(encoding="utf-8"))
    data = json.loads((EXAMPLES_DIR / "vigie.mentions.raw.v1" / "social-post.json").read_text(encoding="utf-8"))
    data["territory_id"] = "Not A Slug"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(data)


def test_asyncapi_document_is_valid_asyncapi_3() -> None:
    document = yaml.safe_load(ASYNCAPI_PATH.read_text(encoding="utf-8"))
    meta = json.loads((SCHEMAS_DIR / "vendor" / "asyncapi-3.0.0.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(meta).validate(document)
    assert {channel["address"] for channel in document["channels"].values()} == set(TOPICS)


def test_asyncapi_payload_references_resolve() -> None:
    document = yaml.safe_load(ASYNCAPI_PATH.read_text(encoding="utf-8"))
    resources = [
        (f"./jsonschema/{p.name}", Resource.from_contents(json.loads(p.read_text(encoding="utf-8"))))
        for p in JSONSCHEMA_DIR.glob("*.json")
    ]
    registry: Registry = Registry().with_resources(resources)
    for name, schema in document["components"]["schemas"].items():
        if "$ref" in schema:
            assert registry.get_or_retrieve(schema["$ref"]).value.contents["title"] == name
    for message in document["components"]["messages"].values():
        assert message["headers"] == {"$ref": "#/components/schemas/CloudEventsHeaders"}
