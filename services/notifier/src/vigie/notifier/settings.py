"""The notifier's settings: parsed once at the entry point (environment, then files in ``secrets_dir``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from vigie.notifier.routes_config import RoutesConfig
from vigie.runtime.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    """``VIGIE_NOTIFIER_*`` variables. Secrets are SecretStr: never logged, read from the environment or
    from a file named like the variable (``vigie_notifier_smtp_password``, ...) in the secrets directory."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="VIGIE_NOTIFIER_", secrets_dir=None)

    routes: Path = Field(default=Path("config/notifier.yaml"), description="The routes and receivers file.")
    group_id: str = "vigie-notifier"
    source: str = "/vigie/notifier"
    silences_path: Path | None = Field(default=None, description="JSON file the silences are kept in.")
    smtp_password: SecretStr | None = None
    slack_token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    api_token: SecretStr | None = Field(default=None, description="Bearer token required by the silences API.")
    commit_interval_s: float = Field(default=1.0, gt=0)
    retry_base_s: float = Field(default=1.0, gt=0)
    retry_max_s: float = Field(default=60.0, gt=0)
    give_up_after_s: float = Field(default=6 * 3600.0, gt=0)
    http_timeout_s: float = Field(default=10.0, gt=0)
    chart_processes: int = Field(default=1, ge=0, description="Worker processes drawing charts; 0 = a thread.")
    max_concurrent_deliveries: int = Field(default=32, ge=1)
    max_held_records: int = Field(default=10_000, ge=1, description="Pause intake above this many unfinished.")
    shutdown_grace_s: float = Field(default=10.0, ge=0)
    digest_render_processes: int = Field(
        default=1, ge=0, le=1, description="A worker process draws the digests' charts; 0 = a thread."
    )
    digest_late_limit_s: float = Field(
        default=12 * 3600.0, gt=0, description="A digest not delivered this long after its due time is skipped."
    )
    digest_max_defer_s: float = Field(
        default=300.0, ge=0, description="How long a due digest waits at most for the alerts in flight."
    )


def missing_secrets(settings: NotifierSettings, config: RoutesConfig) -> list[str]:
    """The secrets the routes need and the settings lack, one sentence each (checked at start-up)."""
    problems = []
    for receiver in config.receivers:
        if receiver.slack is not None and receiver.slack.mode == "bot" and settings.slack_token is None:
            problems.append(f"receiver {receiver.name!r} uses the Slack Web API: set VIGIE_NOTIFIER_SLACK_TOKEN")
        if receiver.email is not None and receiver.email.smtp.username and settings.smtp_password is None:
            problems.append(f"receiver {receiver.name!r} logs in to SMTP: set VIGIE_NOTIFIER_SMTP_PASSWORD")
    return problems
