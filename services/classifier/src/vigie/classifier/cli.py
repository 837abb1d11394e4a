"""`vigie classifier ...` subcommands."""

from __future__ import annotations

from typing import Any


def register(subparsers: Any) -> None:
    """Add this service's subcommands (none yet)."""
