"""Logs are JSON lines that never contain a secret; settings come from the environment and secret files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from vigie.runtime.logs import ConsoleFormatter, JsonFormatter, Redactor, secret_values
from vigie.runtime.settings import KafkaSettings, ServiceSettings


def test_json_log_line_carries_extra_fields_and_hides_secrets() -> None:
    record = logging.LogRecord(
        "vigie.test", logging.WARNING, __file__, 1, "auth with %s", ("s3cr3t-token-value",), None
    )
    record.source = "mastodon"
    line = JsonFormatter(Redactor(["s3cr3t-token-value"])).format(record)
    data = json.loads(line)
    assert data["level"] == "warning" and data["source"] == "mastodon"
    assert "s3cr3t-token-value" not in line
    assert data["message"] == "auth with ***"
    # Secrets belong to the formatter they were given to, not to every formatter of the process.
    assert "s3cr3t-token-value" in JsonFormatter().format(record)


def test_every_secret_setting_is_hidden_without_being_listed() -> None:
    """A secret setting added to a service is redacted from its logs with no list to keep up to date: every
    ``SecretStr`` of the settings, however nested."""

    class _Nested(ServiceSettings):
        model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="VIGIE_NESTED_")
        inner: SecretStr = SecretStr("nested-secret-value")

    class _Service(ServiceSettings):
        model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="VIGIE_SERVICE_")
        token: SecretStr = SecretStr("top-level-secret")
        optional: SecretStr | None = None
        nested: _Nested = _Nested()
        keys: tuple[SecretStr, ...] = (SecretStr("key-in-a-tuple"),)
        tokens: dict[str, SecretStr] = {"saint-malo": SecretStr("page-token-by-key")}  # noqa: RUF012
        short: SecretStr = SecretStr("abc")

    values = secret_values(_Service())
    assert sorted(values) == ["abc", "key-in-a-tuple", "nested-secret-value", "page-token-by-key", "top-level-secret"]
    redact = Redactor(values)
    text = "top-level-secret nested-secret-value key-in-a-tuple abc"
    assert redact(text) == "*** *** *** abc"  # three characters are not a secret worth hiding every "abc" for
    record = logging.LogRecord("vigie", logging.INFO, __file__, 1, text, None, None)
    assert ConsoleFormatter(redact).format(record).endswith("*** *** *** abc")


def test_a_secret_inside_another_is_hidden_whole() -> None:
    assert Redactor(["token", "token-and-more"])("x token-and-more y") == "x *** y"


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


def test_each_configuration_owns_its_secrets() -> None:
    """The secrets live in the handler ``configure_logging`` installs: configuring again replaces them (a
    service configures once at its entry point; nothing accumulates in a module global)."""
    import subprocess
    import sys

    program = (
        "import logging\n"
        "from vigie.runtime.logs import configure_logging\n"
        "configure_logging('INFO', 'json', secrets=['first-secret-value'])\n"
        "logging.getLogger('vigie.test').info('first-secret-value second-secret-value')\n"
        "configure_logging('INFO', 'json', secrets=['second-secret-value'])\n"
        "logging.getLogger('vigie.test').info('first-secret-value second-secret-value')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    messages = [json.loads(line)["message"] for line in done.stderr.splitlines()]
    assert messages == ["*** second-secret-value", "first-secret-value ***"]
