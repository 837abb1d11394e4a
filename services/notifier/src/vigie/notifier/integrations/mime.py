"""The one email builder of the notifier: incident notifications and digests (pure).

Structure: ``multipart/alternative`` with the plain text first, then ``multipart/related`` around the HTML and
its inline PNG parts (referenced as ``cid:`` from the HTML). Headers: Subject (one line, see
:func:`~vigie.text.headers.header_text`), From, To, Date, Message-ID, the threading headers when the message
answers an earlier one, ``Auto-Submitted: auto-generated`` (no auto-replies), then the caller's ``X-Vigie-*``
tokens. Message-IDs are hashes of what identifies the message, stable across restarts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol, cast


class InlinePng(Protocol):
    """A PNG part of an email, referenced from the HTML as ``cid:<content_id>``."""

    @property
    def content_id(self) -> str: ...

    @property
    def filename(self) -> str: ...

    @property
    def png(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Png:
    """An :class:`InlinePng` built by the notifier (the incident chart)."""

    content_id: str
    filename: str
    png: bytes


def hashed_id(kind: str, key: str, domain: str) -> str:
    """``<kind.HASH@domain>``: a Message-ID (or Content-ID) stable for ``key``, revealing nothing of it."""
    key_hash = hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()[:24]
    return f"<{kind}.{key_hash}@{domain}>"


def email_message(
    *,
    subject: str,
    sender: str,
    to: Sequence[str],
    date: datetime,
    message_id: str,
    text: str,
    html: str,
    images: Sequence[InlinePng] = (),
    in_reply_to: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> EmailMessage:
    """A ready-to-send message. ``subject`` must already be a safe header text; ``in_reply_to`` (a Message-ID)
    threads it under that message (``In-Reply-To`` and ``References``); ``headers`` are header-safe tokens."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if in_reply_to is not None:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message["Auto-Submitted"] = "auto-generated"
    for name, value in headers:
        message[name] = value
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    if images:
        html_part = cast(EmailMessage, next(p for p in message.iter_parts() if p.get_content_type() == "text/html"))
        for image in images:
            html_part.add_related(
                image.png,
                maintype="image",
                subtype="png",
                cid=f"<{image.content_id}>",
                filename=image.filename,
                disposition="inline",
            )
    return message
