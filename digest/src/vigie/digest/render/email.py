"""The digest as an email: subject, HTML with ``cid:`` charts, plain-text alternative and the PNG parts.

The notifier builds the MIME message (``multipart/related`` around the HTML and the images, inside a
``multipart/alternative`` with the text) and sends it through its SMTP transport; nothing here sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from vigie.digest.render.chat import text_summary
from vigie.digest.render.html import InlineImage, chart_images, render_html
from vigie.digest.render.locale import Locale
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
        subject=header_text(locale.title(digest)),
        html=render_html([digest], locale, images="cid"),
        text=text_summary(digest, locale),
        images=tuple(chart_images(digest, locale)),
    )


def email_message(
    email: EmailDigest, *, sender: str, to: tuple[str, ...], message_id: str, date: datetime
) -> EmailMessage:
    """A ready-to-send MIME message: text, then HTML with the charts as related ``cid:`` parts.

    Digests never thread with incident emails (their own ``Message-ID``, no ``In-Reply-To``).
    """
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text, charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
    for image in email.images:
        html_part.add_related(
            image.png, maintype="image", subtype="png", cid=f"<{image.content_id}>", filename=image.filename
        )
    return message
