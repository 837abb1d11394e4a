"""Untrusted text inside a Teams Adaptive Card ``TextBlock`` (pure).

The Adaptive Cards Markdown subset interprets emphasis (``*`` ``_``), links (``[..](..)``), the backslash
escape itself and list markers at the start of a line. Only those are escaped: Teams mobile shows backslash
escapes literally (microsoft/AdaptiveCards#5590), so ``Saint\\-Malo`` would reach readers. Angle brackets
become ``‹ ›`` (Teams reads ``<at>`` as a mention and shows ``&lt;`` as it is).
"""

from __future__ import annotations

import re

from vigie.text.defang import defang

_INLINE = re.compile(r"([\\*_\[\]])")
_LIST = re.compile(r"^(\s*)([-+]|\d+\.)(?=\s|$)", re.MULTILINE)


def teams_markdown(text: str) -> str:
    """Untrusted text inside a ``TextBlock``: defanged, then what the Markdown subset interprets escaped."""
    text = defang(text).replace("<", "‹").replace(">", "›")
    return _LIST.sub(_escape_list_marker, _INLINE.sub(r"\\\1", text))


def _escape_list_marker(match: re.Match[str]) -> str:
    marker = match.group(2)
    return match.group(1) + (marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker)
