"""The digest as HTML (jinja2, autoescaped, untrusted text defanged and link targets encoded as in
:mod:`vigie.text.html`), with PNG charts either inlined as ``data:`` URIs (a standalone file) or referenced
as ``cid:`` parts (an email)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import jinja2

from vigie.digest.render.charts import sentiment_chart, sources_chart
from vigie.digest.render.chat import storyline
from vigie.digest.render.locale import Locale, say, title
from vigie.schemas import DigestEvent
from vigie.text.defang import defang
from vigie.text.html import TEMPLATE_FILTERS

ImageMode = Literal["data", "cid", "none"]

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("vigie.digest.render", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters.update(TEMPLATE_FILTERS)
_ENVIRONMENT.globals["storyline"] = lambda story, locale: storyline(story, locale, defang)
_ENVIRONMENT.globals["digest_title"] = title


@dataclass(frozen=True, slots=True)
class InlineImage:
    """A PNG part of an email, referenced from the HTML as ``cid:<content_id>``."""

    content_id: str
    filename: str
    png: bytes


@dataclass(frozen=True)
class _Item:
    digest: DigestEvent
    sentiment_chart: str | None
    sources_chart: str | None


def chart_images(digest: DigestEvent, locale: Locale) -> list[InlineImage]:
    """The charts of one digest as email parts."""
    slug = digest.digest_id.replace(":", "-")
    return [
        InlineImage(f"sentiment-{slug}@vigie", f"sentiment-{slug}.png", sentiment_chart(digest, locale)),
        InlineImage(f"sources-{slug}@vigie", f"sources-{slug}.png", sources_chart(digest, locale)),
    ]


def render_html(digests: Sequence[DigestEvent], locale: Locale, images: ImageMode = "data") -> str:
    """One HTML document with every digest; charts as ``data:`` URIs, ``cid:`` references, or none."""
    items = []
    for digest in digests:
        if images == "none":
            items.append(_Item(digest, None, None))
            continue
        source: Callable[[InlineImage], str] = _data_uri if images == "data" else _cid
        sentiment, sources = chart_images(digest, locale)
        items.append(_Item(digest, source(sentiment), source(sources)))
    heading = title(digests[0], locale) if len(digests) == 1 else "Vigie"
    return _ENVIRONMENT.get_template("digest.html.j2").render(
        items=items, locale=locale, title=heading, t=partial(say, locale)
    )


def _data_uri(image: InlineImage) -> str:
    return "data:image/png;base64," + base64.b64encode(image.png).decode("ascii")


def _cid(image: InlineImage) -> str:
    return f"cid:{image.content_id}"
