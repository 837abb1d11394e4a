"""The digest as an email: subject, HTML with ``cid:`` charts, plain-text alternative and the PNG parts.

The notifier builds the MIME message (``multipart/related`` around the HTML and the images, inside a
``multipart/alternative`` with the text) and sends it through its SMTP transport; nothing here sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigie.classifier.digest.render.chat import text_summary
from vigie.classifier.digest.render.html import InlineImage, chart_images, render_html
from vigie.classifier.digest.render.locale import Locale
from vigie.schemas import DigestEvent


@dataclass(frozen=True)
class EmailDigest:
    """Everything an email of one digest needs; ``images`` are referenced by ``cid:`` in ``html``."""

    subject: str
    html: str
    text: str
    images: tuple[InlineImage, ...]


def render_email(digest: DigestEvent, locale: Locale) -> EmailDigest:
    """The email of one digest in the receiver's language and time zone."""
    return EmailDigest(
        subject=locale.title(digest).replace("\r", " ").replace("\n", " "),
        html=render_html([digest], locale, images="cid"),
        text=text_summary(digest, locale),
        images=tuple(chart_images(digest, locale)),
    )
