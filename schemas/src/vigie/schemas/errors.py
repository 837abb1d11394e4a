"""Exceptions of the contracts package.

VigieSchemaError
└── DecodeError        a record that cannot become a contract model: dead-letter it, never retry.
                       ``error_class`` says why (decode, validation, oversize) and ``reason`` says it in words.
ConfigError            a configuration file that does not validate: names the file, the line and the field.
"""

from __future__ import annotations

from vigie.schemas.deadletter import ErrorClass


class VigieSchemaError(Exception):
    """Base of every error raised by ``vigie.schemas``."""


class DecodeError(VigieSchemaError):
    """A record cannot be decoded into its topic's model. Permanent: send it to the dead-letter topic."""

    def __init__(self, error_class: ErrorClass, reason: str) -> None:
        super().__init__(reason)
        self.error_class: ErrorClass = error_class
        self.reason = reason


class ConfigError(VigieSchemaError):
    """A configuration file is invalid; the message names file, line and field for each problem."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))
