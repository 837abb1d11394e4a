"""Author identities in digests, honouring pseudonymisation.

An author is known by ``<source kind>:<author id or handle>``. When pseudonymised, only a keyed hash of
that key leaves this module (``anon-`` + 12 hex digits of HMAC-SHA256): stable within a deployment (the
same author is recognised from day to day) and not reversible without the key. Post texts of pseudonymised
authors have their ``@handles`` masked and their URLs dropped (a URL often names its author).
"""

from __future__ import annotations

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
    raw_key = f"{source.kind}:{native}"
    if pseudonymise or author.pseudonymised:
        digest = hmac.new(key, raw_key.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
        label = sys.intern(f"anon-{digest}")
        return Identity(key=label, label=label, display_name=None, pseudonymised=True)
    # Interned: every open period of the territory keeps the author's key and label.
    return Identity(
        key=sys.intern(raw_key),
        label=sys.intern(author.handle or native),
        display_name=author.display_name,
        pseudonymised=False,
    )


def mask_handles(text: str) -> str:
    """``text`` with every ``@handle`` (and ``@user@instance``) replaced by ``@…``."""
    return _HANDLE.sub(MASKED_HANDLE, text)
