"""Author identities in digests, honouring pseudonymisation.

An author is known by ``<source kind>:<author id or handle>``. When pseudonymised, only a keyed hash of
that key leaves this module (``anon-`` + 12 hex digits of HMAC-SHA256): stable within a deployment (the
same author is recognised from day to day) and not reversible without the key. Post texts of pseudonymised
authors have their ``@handles`` masked and their URLs dropped (a URL often names its author).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import sys
from typing import NamedTuple

from vigie.schemas import Author, Source

_HANDLE = re.compile(r"@[\w.\-]+(?:@[\w.\-]+)?")
MASKED_HANDLE = "@…"


class Identity(NamedTuple):
    """How an author appears in a digest (a named tuple: one is made per mention, twice as fast as a frozen
    dataclass)."""

    key: str
    label: str
    display_name: str | None
    pseudonymised: bool


def author_identity(author: Author, source: Source, *, pseudonymise: bool, key: bytes) -> Identity | None:
    """The author's identity, or None for anonymous posts (no id and no handle)."""
    native = author.id or author.handle
    if not native:
        return None
    return _identity(source.kind, native, author.handle, author.display_name, pseudonymise or author.pseudonymised, key)


@functools.lru_cache(maxsize=8192)
def _identity(
    kind: str, native: str, handle: str | None, display_name: str | None, pseudonymised: bool, key: bytes
) -> Identity:
    """:func:`author_identity` of what it reads from the author (cached: a stream's authors come back, and the
    keyed hash of a pseudonymised one costs a few microseconds)."""
    raw_key = f"{kind}:{native}"
    if pseudonymised:
        digest = hmac.new(key, raw_key.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
        label = sys.intern(f"anon-{digest}")
        return Identity(key=label, label=label, display_name=None, pseudonymised=True)
    # Interned: every open period of the territory keeps the author's key and label.
    return Identity(
        key=sys.intern(raw_key),
        label=sys.intern(handle or native),
        display_name=display_name,
        pseudonymised=False,
    )


def mask_handles(text: str) -> str:
    """``text`` with every ``@handle`` (and ``@user@instance``) replaced by ``@…``."""
    return _HANDLE.sub(MASKED_HANDLE, text)
