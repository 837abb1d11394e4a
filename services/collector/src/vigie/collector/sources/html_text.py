"""Plain text from the HTML snippets feeds and Mastodon statuses carry (tags dropped, entities decoded)."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BREAKS = {"br", "p", "div", "li", "h1", "h2", "h3", "h4", "blockquote", "tr"}
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed, paragraphs on their own lines.

    Never raises: markup that the standard parser gives up on (``<![<`` makes it raise ``AssertionError``)
    has its tags stripped and its entities decoded instead."""
    if "<" not in html and "&" not in html:
        return _NEWLINES.sub("\n", _SPACES.sub(" ", html)).strip()
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    except (AssertionError, ValueError, IndexError, TypeError):
        text = unescape(_TAG.sub(" ", html))
    return _NEWLINES.sub("\n", _SPACES.sub(" ", text)).strip()
