"""Plain text from the Markdown bodies Reddit carries (``selftext``, ``body``).

Markdown is text, not HTML: ``<module>`` or ``5<b>10`` are words to keep, never tags to drop. Only the three
entities Reddit's JSON escapes (``&amp;``, ``&lt;``, ``&gt;``, when ``raw_json`` is not honoured) are decoded,
and inline links ``[label](url)`` become ``label (url)`` so both the words and the address survive.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"(?<!!)\[([^\[\]\n]{1,500})\]\(\s*<?([^()\s<>]{1,2000})>?(?:\s+\"[^\"\n]*\")?\s*\)")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def markdown_to_text(markdown: str) -> str:
    """The text of a Reddit Markdown body: verbatim but for links, the three escaped entities and whitespace.

    ``[label](url)`` reads ``label (url)`` (``label`` alone when it already is the url)."""
    text = markdown
    for entity, char in _ENTITIES:  # ``&amp;lt;`` is the text "&lt;": decode ``&amp;`` last
        text = text.replace(entity, char)
    text = _LINK.sub(lambda m: m[1] if m[1].strip() == m[2] else f"{m[1]} ({m[2]})", text)
    return _NEWLINES.sub("\n", _SPACES.sub(" ", text)).strip()
