"""Logs are JSON lines that never contain a secret; settings come from the environment and secret files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from vigie.runtime.logs import JsonFormatter, redact
from vigie.runtime.settings import KafkaSettings, ServiceSettings


def test_json_log_line_carries_extra_fields_and_hides_secrets() -> None:
    redact("s3cr3t-token-value")
    record = logging.LogRecord(
        "vigie.test", logging.WARNING, __file__, 1, "auth with %s", ("s3cr3t-token-value",), None
    )
    record.source = "mastodon"
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["level"] == "warning" and data["source"] == "mastodon"
    assert "s3cr3t-token-value" not in line
    assert data["message"] == "auth with ***"


def test_kafka_bootstrap_comes_from_the_standard_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    assert KafkaSettings().bootstrap_servers == "kafka-1:9092,kafka-2:9092"


class _DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="VIGIE_DEMO_")
    token: SecretStr = SecretStr("")


def test_secrets_are_read_from_mounted_files_and_never_printed(tmp_path: Path) -> None:
    (tmp_path / "vigie_demo_token").write_text("mounted-secret")
    settings = _DemoSettings(_secrets_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.token.get_secret_value() == "mounted-secret"
    assert "mounted-secret" not in repr(settings)
    with pytest.raises(ValueError, match="frozen"):
        settings.http_port = 1  # type: ignore[misc]


def test_bootstrap_servers_can_be_passed_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    assert KafkaSettings(bootstrap_servers="127.0.0.1:1234").bootstrap_servers == "127.0.0.1:1234"


def test_warnings_and_uncaught_exceptions_are_json_lines_too() -> None:
    """With the json format, nothing Python writes to stderr escapes the JSON lines."""
    import subprocess
    import sys

    program = (
        "import warnings, logging\n"
        "from vigie.runtime.logs import configure_logging\n"
        "configure_logging('INFO', 'json')\n"
        "logging.getLogger('vigie.test').info('hello')\n"
        "warnings.warn('old api', DeprecationWarning, stacklevel=1)\n"
        "raise RuntimeError('boom')\n"
    )
    done = subprocess.run([sys.executable, "-W", "always", "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("vigie.test", "info"),
        ("py.warnings", "warning"),
        ("vigie", "critical"),
    ]
    assert "RuntimeError: boom" in lines[2]["exception"]
