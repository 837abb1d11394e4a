"""Logging: one JSON object per line (or a readable console format), never a secret.

The secrets are given to :func:`configure_logging` (:func:`secret_values` collects every ``SecretStr`` of a
settings model, so a secret setting added later is hidden without anyone remembering to list it); any log line
that contains one has it replaced by ``***``. They live in the formatter of the handler that writes the lines,
not in a module global: two configurations in one process (tests, the demo) do not leak into each other.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, SecretStr

from vigie.runtime.settings import LogFormat

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
#: Shorter values are not treated as secrets: replacing every "abc" in every line would hide the logs, not
#: the secret (and a three-character secret is not one).
MIN_SECRET_CHARS = 4


class Redactor:
    """Replaces every occurrence of the given secret values in a text by ``***``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so a secret that contains another is hidden whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text


def secret_values(settings: BaseModel) -> list[str]:
    """The values of every ``SecretStr`` field of ``settings``, nested models included."""
    found: list[str] = []
    for name in type(settings).model_fields:
        _collect_secrets(getattr(settings, name), found)
    return found


def _collect_secrets(value: object, found: list[str]) -> None:
    if isinstance(value, SecretStr):
        found.append(value.get_secret_value())
    elif isinstance(value, BaseModel):
        found.extend(secret_values(value))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect_secrets(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_secrets(item, found)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...extra}`` per line, secrets replaced by ``***``."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return self._redact(json.dumps(data, default=str, ensure_ascii=False))


class ConsoleFormatter(logging.Formatter):
    """A readable line for a terminal, secrets replaced by ``***``."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        self._redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


def configure_logging(level: str = "INFO", fmt: LogFormat = "json", secrets: Iterable[str | None] = ()) -> None:
    """Send every log record to stderr in the chosen format, ``secrets`` never written (idempotent: the
    previous handler and its secrets are replaced).

    With ``json``, what Python itself would write to stderr goes through the same handler, so every line is
    one JSON object: ``warnings.warn`` (``logger: py.warnings``) and an uncaught exception (``level:
    critical`` with its ``exception`` text, then the usual exit status 1).
    """
    logging.captureWarnings(True)
    if fmt == "json":
        sys.excepthook = _log_uncaught
    handler = logging.StreamHandler(sys.stderr)
    redactor = Redactor(secrets)
    handler.setFormatter(JsonFormatter(redactor) if fmt == "json" else ConsoleFormatter(redactor))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka", "faust", "mode", "httpx", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def _log_uncaught(kind: type[BaseException], value: BaseException, traceback: Any) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, traceback)
        return
    logging.getLogger("vigie").critical("uncaught exception", exc_info=(kind, value, traceback))
