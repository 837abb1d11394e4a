"""Logging: one JSON object per line (or a readable console format), never a secret.

Secrets are registered with :func:`redact`; any log line that contains one has it replaced by ``***``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from vigie.runtime.settings import LogFormat

_SECRETS: set[str] = set()
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(*secrets: str | None) -> None:
    """Register secret values that must never appear in a log line."""
    _SECRETS.update(s for s in secrets if s and len(s) >= 4)


def scrub(text: str) -> str:
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...extra}`` per line."""

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
        return scrub(json.dumps(data, default=str, ensure_ascii=False))


class ConsoleFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure_logging(level: str = "INFO", fmt: LogFormat = "json") -> None:
    """Send every log record to stderr in the chosen format (idempotent).

    With ``json``, what Python itself would write to stderr goes through the same handler, so every line is
    one JSON object: ``warnings.warn`` (``logger: py.warnings``) and an uncaught exception (``level:
    critical`` with its ``exception`` text, then the usual exit status 1).
    """
    logging.captureWarnings(True)
    if fmt == "json":
        sys.excepthook = _log_uncaught
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
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
