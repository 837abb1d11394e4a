"""What an ``app.bsky.feed.post`` record says, beyond its ``text``: links, cards, alt text, replies, quotes.

The Lexicon: ``facets[].features[]`` of ``$type`` ``app.bsky.richtext.facet#link`` carry the full ``uri`` of a
link whose visible text (``index.byteStart..byteEnd``, UTF-8 bytes) is usually shortened; ``embed`` is
``app.bsky.embed.images`` (``images[].alt``), ``.video`` (``alt``), ``.external`` (``external{uri,title,
description}``), ``.record`` (a quote: ``record.uri``) or ``.recordWithMedia`` (``record.record.uri`` and
``media``); ``reply.parent.uri`` / ``reply.root.uri`` name the posts answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_LINK = "app.bsky.richtext.facet#link"
ExtraValue = str | int | float | bool | None


@dataclass(slots=True)
class PostContent:
    """The readable text of a post (links expanded, alt text and card appended) and its references."""

    text: str
    extra: dict[str, ExtraValue] = field(default_factory=dict)


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def expand_links(text: str, facets: Any) -> str:
    """``text`` with each link facet's visible (shortened) text replaced by its full ``uri``.

    Facets out of bounds, overlapping or not on character boundaries are ignored."""
    if not isinstance(facets, list):
        return text
    data = text.encode("utf-8", errors="surrogatepass")
    spans: list[tuple[int, int, str]] = []
    for facet in facets:
        start, end = _get(facet, "index", "byteStart"), _get(facet, "index", "byteEnd")
        features = _get(facet, "features")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data)):
            continue
        if not isinstance(features, list):
            continue
        for feature in features:
            uri = _str(_get(feature, "uri"))
            if _get(feature, "$type") == _LINK and uri:
                spans.append((start, end, uri))
                break
    out, position = [], 0
    for start, end, uri in sorted(spans):
        if start < position:
            continue
        out += [data[position:start], uri.encode("utf-8", errors="surrogatepass")]
        position = end
    out.append(data[position:])
    try:
        return b"".join(out).decode("utf-8", errors="surrogatepass")
    except UnicodeDecodeError:  # a facet cut a character in two
        return text


def _media(embed: Any, lines: list[str], extra: dict[str, ExtraValue]) -> None:
    kind = _get(embed, "$type")
    if kind == "app.bsky.embed.images":
        images = _get(embed, "images")
        for image in images if isinstance(images, list) else []:
            alt = _str(_get(image, "alt"))
            if alt:
                lines.append(alt)
    elif kind == "app.bsky.embed.video":
        alt = _str(_get(embed, "alt"))
        if alt:
            lines.append(alt)
    elif kind == "app.bsky.embed.external":
        title, description = _str(_get(embed, "external", "title")), _str(_get(embed, "external", "description"))
        lines += [part for part in (title, description) if part]
        uri = _str(_get(embed, "external", "uri"))
        if uri:
            extra["external_uri"] = uri
        if title:
            extra["external_title"] = title


def read_post(record: dict[str, Any]) -> PostContent:
    """The text to match and the references of a post record (whatever its optional fields hold)."""
    text = record["text"]
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    lines = [expand_links(text, record.get("facets")).strip()]
    extra: dict[str, ExtraValue] = {}
    embed = record.get("embed")
    kind = _get(embed, "$type")
    if kind == "app.bsky.embed.record":
        quoted = _str(_get(embed, "record", "uri"))
        if quoted:
            extra["quote_uri"] = quoted
    elif kind == "app.bsky.embed.recordWithMedia":
        quoted = _str(_get(embed, "record", "record", "uri"))
        if quoted:
            extra["quote_uri"] = quoted
        _media(_get(embed, "media"), lines, extra)
    else:
        _media(embed, lines, extra)
    for key in ("parent", "root"):
        uri = _str(_get(record, "reply", key, "uri"))
        if uri:
            extra[f"reply_{key}"] = uri
    langs = record.get("langs")
    if isinstance(langs, list):
        others = [lang for lang in langs[1:] if isinstance(lang, str)]
        if others:
            extra["other_languages"] = ",".join(others)[:1024]
    return PostContent("\n".join(line for line in lines if line), extra)
