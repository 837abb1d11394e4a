"""Settings shared by every service. Each service defines one frozen subclass with its own ``env_prefix``,
parses it once at its entry point and passes it down; nothing reads the environment elsewhere.

The broker address is the same variable for every service and every test: ``KAFKA_BOOTSTRAP_SERVERS``.
Secrets are ``SecretStr`` read from the environment or from files in ``secrets_dir`` (Kubernetes mounts).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LogFormat = Literal["json", "console"]


class KafkaSettings(BaseSettings):
    """How to reach the broker. Short group timeouts suit Tansu (see BROKER.md); raise them on Kafka."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="VIGIE_KAFKA_", populate_by_name=True)

    bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "VIGIE_KAFKA_BOOTSTRAP_SERVERS"),
    )
    session_timeout_ms: int = Field(default=10_000, ge=1000)
    heartbeat_interval_ms: int = Field(default=1_000, ge=100)
    client_id_prefix: str = "vigie"


class ServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set ``model_config`` with their ``env_prefix``."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", secrets_dir=None)

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=0, ge=0, le=65535, description="Health and metrics port; 0 picks a free one.")
    log_level: str = "INFO"
    log_format: LogFormat = "json"
