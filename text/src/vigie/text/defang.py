"""Links and pings broken in untrusted text, for every output format (pure).

:func:`defang` is the rule under every other: plain text (an email's ``text/plain`` part, which mail
clients auto-link) gets it alone; Slack, Teams and HTML add the escaping of what their format interprets.
"""

from __future__ import annotations

import re
from urllib.parse import quote

WORD_JOINER = "\u2060"
#: Every scheme separator, whatever precedes it (``_https://`` too).
_SCHEME = re.compile(r"://")
#: A host name: labels and a top-level domain of letters (any script: clients link ``café.fr``), not inside a
#: longer run of letters, digits or ``-``; ``_`` may touch it (``_evil.com_`` is italics in Slack).
_DOMAIN = re.compile(r"(?<![^\W_])(?<!-)((?:(?:[^\W_]|-)+\.)+)([^\W\d_]{2,24})(?![^\W_]|-)")
_PING = re.compile(r"([@!])(?=[A-Za-z0-9_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Lone surrogates (JSON allows ``"\ud800"``): no UTF-8 encoder accepts them, so they are replaced.
SURROGATE = re.compile("[\ud800-\udfff]")
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u202f]+")


def defang(text: str) -> str:
    """Break links and pings while keeping the text readable: ``https://evil.com`` -> ``https[:]//evil[.]com``,
    ``@here`` -> ``@`` + word joiner + ``here``. Control characters are dropped, lone surrogates replaced."""
    text = SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    text = _SCHEME.sub("[:]//", text)
    text = _DOMAIN.sub(lambda m: m.group(1).replace(".", "[.]") + m.group(2), text)
    return _PING.sub(lambda m: m.group(1) + WORD_JOINER, text)


def link_url(url: str) -> str:
    """A post's URL (http or https, by contract) for a link target: whitespace, controls, quotes, ``< > |``
    and non-ASCII characters percent-encoded, so it can neither end the link (Slack ``<url|label>``, an
    HTML attribute) nor hide a second one; the characters URLs are made of are kept."""
    return quote(url, safe="/:?#[]@!$'()*+,;=%~-._&", errors="replace")


def one_line(text: str, limit: int = 280) -> str:
    """Collapse whitespace and cut to ``limit`` characters (with an ellipsis). No-break spaces (French
    typography: ``Gravité :``, ``3 200``) are kept as they are."""
    flat = _BREAKING_SPACE.sub(" ", text).strip(" ")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
