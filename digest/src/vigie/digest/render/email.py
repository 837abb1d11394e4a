"""The digest as an email's content: subject, HTML with ``cid:`` charts, plain-text alternative and the PNG
parts. The notifier builds the MIME message (its one email builder) and sends it; nothing here sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigie.digest.render.chat import text_summary
from vigie.digest.render.html import InlineImage, chart_images, render_html
from vigie.digest.render.locale import Locale, title
from vigie.schemas import DigestEvent
from vigie.text.headers import header_text


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
        subject=header_text(title(digest, locale)),
        html=render_html([digest], locale, images="cid"),
        text=text_summary(digest, locale),
        images=tuple(chart_images(digest, locale)),
    )
