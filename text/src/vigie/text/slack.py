"""Untrusted text for Slack (pure): inside ``mrkdwn`` and in the plain ``text`` fallback.

Slack parses ``<...>`` in both (``<!channel>``, ``<@U123>``, ``<url|label>``): ``& < >`` are escaped as
its documentation asks, after :func:`~vigie.text.defang.defang`. In ``mrkdwn`` the formatting characters
(``* _ ~ ` > |``) are followed by a word joiner, so none opens bold, italics, code or a quote.
"""

from __future__ import annotations

import re

from vigie.text.defang import WORD_JOINER, defang, one_line

_MRKDWN_SPECIAL = re.compile(r"([*_~`>|])")


def slack_plain(text: str) -> str:
    """Untrusted text in Slack's plain ``text`` fallback (also parsed for ``<...>``)."""
    return defang(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_mrkdwn(text: str) -> str:
    """Untrusted text inside Slack ``mrkdwn``: defanged, ``& < >`` escaped (so no ``<!channel>`` or
    ``<url|label>``), formatting characters neutralised with a word joiner."""
    return _MRKDWN_SPECIAL.sub(lambda m: m.group(1) + WORD_JOINER, slack_plain(text))


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
