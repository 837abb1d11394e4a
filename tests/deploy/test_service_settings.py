"""Every ``VIGIE_<SERVICE>_*`` variable that docker-compose or Kubernetes sets is a field of that service's
settings object (a misspelt variable would be ignored without a word: the settings ignore unknown ones)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from vigie.classifier.settings import ClassifierSettings
from vigie.collector.settings import CollectorSettings
from vigie.notifier.settings import NotifierSettings

REPO = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, Any] = {
    "collector": CollectorSettings,
    "classifier": ClassifierSettings,
    "notifier": NotifierSettings,
}
_VARIABLE = re.compile(r"^VIGIE_(COLLECTOR|CLASSIFIER|NOTIFIER)_([A-Z0-9_]+)$")


def _check(variable: str, where: str) -> None:
    match = _VARIABLE.match(variable)
    if match is None:
        return
    service, field = match.group(1).lower(), match.group(2).lower()
    assert field in SETTINGS[service].model_fields, f"{where}: {variable} is not a setting of the {service}"


def test_compose_sets_only_real_settings() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    variables = [(name, v) for name, s in compose["services"].items() for v in s.get("environment") or {}]
    assert len(variables) > 10
    for service, variable in variables:
        _check(variable, f"docker-compose.yml {service}")


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_kubernetes_sets_only_real_settings(rendered: dict[str, list[dict[str, Any]]], overlay: str) -> None:
    for obj in rendered[overlay]:
        if obj["kind"] != "Deployment":
            continue
        for container in obj["spec"]["template"]["spec"]["containers"]:
            for item in container.get("env", []):
                _check(item["name"], f"{overlay} {obj['metadata']['name']}")


def test_images_set_only_real_settings() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    variables = re.findall(r"\b(VIGIE_[A-Z0-9_]+)=", dockerfile)
    assert {v.split("_")[1] for v in variables if _VARIABLE.match(v)} == {"COLLECTOR", "CLASSIFIER", "NOTIFIER"}
    for variable in variables:
        _check(variable, "Dockerfile")


def test_a_variable_that_is_no_setting_is_caught() -> None:
    with pytest.raises(AssertionError, match="VIGIE_NOTIFIER_SMTP_HOST"):
        _check("VIGIE_NOTIFIER_SMTP_HOST", "here")
    _check("VIGIE_NOTIFIER_SMTP_PASSWORD", "here")
