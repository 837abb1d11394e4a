"""Untrusted text (mention text, author handles, terms) made harmless for each output format (pure).

Mention text is written by anyone on the internet. Wherever it is rendered it must not ping people
(``@here``, ``<!channel>``, ``<@U123>``), create links (``<https://evil|click>``, ``[click](https://evil)``,
bare URLs that clients auto-link) or inject markup (``<script>``). :func:`defang` neutralises pings and
links for every format; the per-format functions then escape what that format interprets. HTML is escaped
by Jinja's autoescape after :func:`defang`.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_WORD_JOINER = "\u2060"
_SCHEME = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,15}):(//)")
_DOMAIN = re.compile(r"\b((?:[A-Za-z0-9-]+\.)+)([A-Za-z]{2,24})\b")
_PING = re.compile(r"([@!])(?=[A-Za-z0-9_])")
_MRKDWN_SPECIAL = re.compile(r"([*_~`>|])")
#: What the Adaptive Cards Markdown subset interprets: emphasis (``*`` ``_``), links (``[..](..)``) and the escape
#: itself; lists only at the start of a line (:data:`_TEAMS_LIST`). Nothing else is escaped: Teams mobile shows
#: backslash escapes literally (microsoft/AdaptiveCards#5590), so ``Saint\-Malo`` would reach readers.
_TEAMS_INLINE = re.compile(r"([\\*_\[\]])")
_TEAMS_LIST = re.compile(r"^(\s*)([-+]|\d+\.)(?=\s|$)", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Lone surrogates (JSON allows ``"\ud800"``): no UTF-8 encoder accepts them, so they are replaced.
_SURROGATE = re.compile("[\ud800-\udfff]")
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u202f]+")
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


def defang(text: str) -> str:
    """Break links and pings while keeping the text readable: ``https://evil.com`` -> ``https[:]//evil[.]com``,
    ``@here`` -> ``@`` + word joiner + ``here``. Control characters are dropped."""
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    text = _SCHEME.sub(r"\1[:]\2", text)
    text = _DOMAIN.sub(lambda m: m.group(1).replace(".", "[.]") + m.group(2), text)
    return _PING.sub(lambda m: m.group(1) + _WORD_JOINER, text)


def slack_mrkdwn(text: str) -> str:
    """Untrusted text inside Slack ``mrkdwn``: defanged, ``& < >`` escaped (so no ``<!channel>`` or
    ``<url|label>``), formatting characters neutralised with a zero-width joiner."""
    text = defang(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MRKDWN_SPECIAL.sub(lambda m: m.group(1) + _WORD_JOINER, text)


def slack_mrkdwn_within(text: str, limit: int) -> str:
    """``slack_mrkdwn(one_line(text, n))`` for the largest ``n`` whose escaped form has at most ``limit``
    characters. Escaping can make a text five times longer (``&`` -> ``&amp;``), so the cut is searched on the
    source: it never falls inside an escape or a link, and the result always fits its Block Kit budget."""
    escaped = slack_mrkdwn(one_line(text, limit))
    if len(escaped) <= limit:
        return escaped
    low, high = 0, limit  # the longest source cut that fits lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if len(slack_mrkdwn(one_line(text, middle))) <= limit:
            low = middle
        else:
            high = middle - 1
    return slack_mrkdwn(one_line(text, low)) if low else ""


def slack_plain(text: str) -> str:
    """Untrusted text in Slack's plain ``text`` fallback (also parsed for ``<...>``)."""
    return defang(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teams_markdown(text: str) -> str:
    """Untrusted text inside an Adaptive Card ``TextBlock`` (Markdown subset): defanged, the characters that
    subset interprets backslash-escaped (emphasis, links, a list marker opening a line) and nothing else, angle
    brackets replaced (Teams reads ``<at>`` as a mention)."""
    text = defang(text).replace("<", "‹").replace(">", "›")
    return _TEAMS_LIST.sub(_escape_list_marker, _TEAMS_INLINE.sub(r"\\\1", text))


def _escape_list_marker(match: re.Match[str]) -> str:
    marker = match.group(2)
    return match.group(1) + (marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker)


def link_url(url: str) -> str:
    """A post's URL (http or https, by contract) for a link target: whitespace, controls, quotes, ``< > |``
    and non-ASCII characters percent-encoded, so it can neither end the link (Slack ``<url|label>``, an
    HTML attribute) nor hide a second one; the characters URLs are made of are kept."""
    return quote(url, safe="/:?#[]@!$'()*+,;=%~-._&", errors="replace")


def header_text(text: str, limit: int = 250) -> str:
    """Text for a free-text header (an email Subject): one line, no control characters, no lone
    surrogates, at most ``limit`` characters; the email library then encodes it (RFC 2047)."""
    text = _SURROGATE.sub("\ufffd", _HEADER_UNSAFE.sub(" ", text))
    return one_line(text, limit)


def one_line(text: str, limit: int = 280) -> str:
    """Collapse whitespace and cut to ``limit`` characters (with an ellipsis). No-break spaces (French
    typography: ``Gravité :``, ``3 200``) are kept as they are."""
    flat = _BREAKING_SPACE.sub(" ", text).strip(" ")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
