"""Pseudonymisation of authors for deployments that must minimise personal data (GDPR).

With a key configured, the author's id and handle become keyed hashes (HMAC-SHA256, truncated to 128 bits,
prefixed ``p:``): the same author always gets the same pseudonym under the same key, so campaigns and
reach still show, but the handle cannot be recovered without the key. The display name is dropped.
"""

from __future__ import annotations

import hashlib
import hmac


class Pseudonymiser:
    """Keyed hashing of author identifiers; the key never leaves this object."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonymiser(key=***)"

    def pseudonym(self, value: str) -> str:
        """``p:`` and 32 hex digits; stable for the same value and key."""
        normalised = value.strip().lstrip("@").casefold()
        keyed_hash = hmac.new(self._key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"p:{keyed_hash[:32]}"
