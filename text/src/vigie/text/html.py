"""Untrusted text in HTML (pure): the email bodies, the incident page and the digest.

Text is defanged (:func:`~vigie.text.defang.defang`: mail clients and browsers auto-link bare URLs), then
HTML-escaped. Templates get the same with Jinja's autoescape and the ``defang`` filter of
:data:`TEMPLATE_FILTERS`; link targets go through ``link_url``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from vigie.text.defang import defang, link_url, one_line

#: The filters every template of untrusted text registers (``{{ post.text | defang }}``, ``href="{{ url |
#: link_url }}"``); with autoescape, ``{{ text | defang }}`` renders exactly :func:`html_text`.
TEMPLATE_FILTERS: dict[str, Callable[..., Any]] = {"defang": defang, "one_line": one_line, "link_url": link_url}


def html_text(text: str) -> Markup:
    """Untrusted text as HTML character data or a quoted attribute value: defanged, then escaped."""
    return escape(defang(text))
