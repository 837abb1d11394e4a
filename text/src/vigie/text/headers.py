"""Untrusted text in protocol headers (pure): a free-text email header (the Subject) and header tokens.

An incident or notification id comes from the alerts topic, so it may hold CR/LF (header injection, or a
request the HTTP client refuses to build), control characters or non-ASCII text (which HTTP header values
cannot carry). :func:`header_token` percent-encodes every character outside a small visible-ASCII set, so the
ids Vigie itself produces (``mairie:saint-malo:negative_surge:20261127T0800:0``) pass unchanged, any other
text becomes an ASCII token that cannot break a header, and two different ids never give the same token (the
encoding is reversible with ``urllib.parse.unquote``).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from vigie.text.defang import SURROGATE, one_line

_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
#: Characters kept as they are in a token: letters, digits and ``:@._~-+=/`` (no space, quote, comma or
#: semicolon).
_TOKEN_SAFE = ":@._~-+=/"


def header_text(text: str, limit: int = 250) -> str:
    """Text for a free-text header (an email Subject): one line, no control characters, no lone
    surrogates, at most ``limit`` characters; the email library then encodes it (RFC 2047)."""
    return one_line(SURROGATE.sub("\ufffd", _HEADER_UNSAFE.sub(" ", text)), limit)


def header_token(text: str) -> str:
    """``text`` percent-encoded (UTF-8; lone surrogates kept distinct) so it is a plain ASCII token."""
    return quote(text, safe=_TOKEN_SAFE, encoding="utf-8", errors="surrogatepass")
