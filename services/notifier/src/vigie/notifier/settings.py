"""The notifier's settings: parsed once at the entry point (environment, then files in ``secrets_dir``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import NoDecode, SettingsConfigDict

from vigie.notifier.routes_config import RoutesConfig
from vigie.runtime.settings import ServiceSettings

#: Shortest API token accepted: a bearer token is the only thing between the network and the silences.
MIN_API_TOKEN_CHARS = 16


def _host_list(value: Any) -> Any:
    """``"a,b, c"`` (an environment variable) or a list -> a tuple of lower-case host names."""
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list | tuple):
        return tuple(str(v).strip().lower() for v in value if str(v).strip())
    return value


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
    api_enabled: bool = Field(
        default=True,
        description="Serve /api/v1 (incidents, silences). False: the API is not served at all and needs no token.",
    )
    api_token: SecretStr | None = Field(
        default=None,
        description=f"Bearer token every /api call needs (read and write). Required while the API is enabled: "
        f"the notifier refuses to start without one (at least {MIN_API_TOKEN_CHARS} characters).",
    )
    api_allowed_hosts: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_host_list)] = Field(
        default=(),
        description="Host header values the API answers (comma-separated, without port); empty: the bind "
        "host, localhost, 127.0.0.1 and ::1. Add the Service name behind which the API is reached.",
    )
    intake_stall_s: float = Field(
        default=30.0, gt=0, description="Not ready when the alert intake loop has not come round for this long."
    )
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
    public_url: str = Field(
        default="",
        description="How readers reach this notifier (https://vigie.example.org): the base of the incident-page "
        "links every alert carries. Empty: http://<http_host>:<http_port>.",
    )
    link_secret: SecretStr | None = Field(
        default=None,
        description="Secret (at least 16 characters) signing incident-page links. None: a random one per process "
        "(links die with the process; set it for links that survive restarts and replicas).",
    )
    link_ttl_s: float = Field(default=7 * 24 * 3600.0, gt=0, description="How long an incident-page link opens.")
    slack_signing_secret: SecretStr | None = Field(
        default=None, description="Slack app signing secret: verifies the buttons' interactivity requests."
    )


def api_token_problem(settings: NotifierSettings) -> str | None:
    """Why the API cannot be served with these settings (no token, a short one), or None."""
    if not settings.api_enabled:
        return None
    if settings.api_token is None:
        return (
            "the notifier API needs a token: set VIGIE_NOTIFIER_API_TOKEN (e.g. `openssl rand -hex 32`), or set "
            "VIGIE_NOTIFIER_API_ENABLED=false to run without the incidents and silences API"
        )
    if len(settings.api_token.get_secret_value()) < MIN_API_TOKEN_CHARS:
        return f"VIGIE_NOTIFIER_API_TOKEN is too short: at least {MIN_API_TOKEN_CHARS} characters"
    return None


def allowed_api_hosts(settings: NotifierSettings) -> frozenset[str]:
    """The Host header names the API answers: the setting, or the bind host and the loopback names."""
    if settings.api_allowed_hosts:
        return frozenset(settings.api_allowed_hosts)
    return frozenset({settings.http_host.lower().strip("[]"), "localhost", "127.0.0.1", "::1"})


def missing_secrets(settings: NotifierSettings, config: RoutesConfig) -> list[str]:
    """The secrets the settings and routes need and lack, one sentence each (checked at start-up)."""
    problems = []
    token_problem = api_token_problem(settings)
    if token_problem is not None:
        problems.append(token_problem)
    for receiver in config.receivers:
        if receiver.slack is not None and receiver.slack.mode == "bot" and settings.slack_token is None:
            problems.append(f"receiver {receiver.name!r} uses the Slack Web API: set VIGIE_NOTIFIER_SLACK_TOKEN")
        if receiver.email is not None and receiver.email.smtp.username and settings.smtp_password is None:
            problems.append(f"receiver {receiver.name!r} logs in to SMTP: set VIGIE_NOTIFIER_SMTP_PASSWORD")
    return problems
