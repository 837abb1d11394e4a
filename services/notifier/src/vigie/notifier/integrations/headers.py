"""Text from an alert made safe for a protocol header (HTTP or email): never raw (pure).

An incident or notification id comes from the alerts topic, so it may hold CR/LF (header injection, or
a request the HTTP client refuses to build), control characters or non-ASCII text (which HTTP header
values cannot carry). :func:`header_token` percent-encodes every character outside a small visible-ASCII
set, so the ids Vigie itself produces (``mairie:saint-malo:negative_surge:20261127T0800:0``) pass
unchanged, any other text becomes an ASCII token that cannot break a header, and two different ids never
give the same token (the encoding is reversible with ``urllib.parse.unquote``).
"""

from __future__ import annotations

from urllib.parse import quote

#: Characters kept as they are: letters, digits and ``:@._~-+=/`` (no space, quote, comma or semicolon).
_SAFE = ":@._~-+=/"


def header_token(text: str) -> str:
    """``text`` percent-encoded (UTF-8; lone surrogates kept distinct) so it is a plain ASCII token."""
    return quote(text, safe=_SAFE, encoding="utf-8", errors="surrogatepass")
