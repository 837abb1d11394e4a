"""Exceptions of the notifier, classified by what the caller must do next.

NotifierError
├── DeliveryError            a notification could not be delivered
│   ├── RetryableDeliveryError    5xx, 429, timeouts, connection errors: retry with backoff (``retry_after`` honoured)
│   └── PermanentDeliveryError    4xx other than 429, refused recipient, invalid channel: dead-letter, never retry
├── RoutesError              the routes file is inconsistent (unknown receiver, bad matcher): fix the config
└── StartupError             the settings forbid starting (the API enabled without a token): fix the settings
"""

from __future__ import annotations


class NotifierError(Exception):
    """Base of every error raised by ``vigie.notifier``."""


class DeliveryError(NotifierError):
    """A notification was not delivered. ``reason`` is short, bounded and free of secrets."""

    retryable: bool = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:1000]


class RetryableDeliveryError(DeliveryError):
    """Try again later; ``retry_after`` (seconds) is the remote's own hint, when it gave one."""

    retryable = True

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: the notification goes to the dead-letter topic with this reason."""


class RoutesError(NotifierError):
    """The routes configuration is inconsistent."""


class StartupError(NotifierError):
    """The settings do not allow the notifier to start (the message says what to set)."""
