"""Email through SMTP (aiosmtplib): STARTTLS or implicit TLS, optional auth, multipart text + HTML with an
inline chart, stable Message-IDs so every message of an incident threads under the first one.

No text from an alert reaches a header raw: the Subject is one line without control characters, the
Message-IDs are hashes, ``X-Vigie-*`` values are percent-encoded tokens, and a thread reference that is not
a plain ``<id@domain>`` is replaced by the incident's computed Message-ID. A CR/LF in a territory name or
an incident id can neither inject a header nor make the message impossible to build."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage

import aiosmtplib
from pydantic import SecretStr

from vigie.notifier.errors import PermanentDeliveryError, RetryableDeliveryError
from vigie.notifier.integrations.mime import Png, email_message, hashed_id
from vigie.notifier.links import IncidentLinks
from vigie.notifier.notification import Notification
from vigie.notifier.rendering.chart import ChartRenderer, ChartRequest, chart_request_for
from vigie.notifier.rendering.templates import render_email_html, render_email_text
from vigie.notifier.rendering.view import build_view
from vigie.notifier.routes_config import SmtpServer
from vigie.runtime.clock import Clock
from vigie.schemas import Integration as IntegrationName
from vigie.text.headers import header_text, header_token

#: A Message-ID as this module writes them (what a thread reference must look like to be reused).
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9._-]{1,200}@[A-Za-z0-9.-]{1,253}>")


def thread_message_id(receiver: str, incident_id: str, domain: str) -> str:
    """The Message-ID of the first email of an incident to a receiver: stable across restarts."""
    return hashed_id("incident", receiver + "|" + incident_id, domain)


def message_id(notification: Notification, domain: str) -> str:
    if notification.kind == "open":
        return thread_message_id(notification.receiver.name, notification.alert.incident_id, domain)
    return hashed_id("notification", notification.notification_id, domain)


def chart_request(notification: Notification) -> ChartRequest | None:
    """What to draw for this email (None when the receiver does not want a chart)."""
    config = notification.receiver.email
    if config is None or not config.chart:
        return None
    return chart_request_for(
        notification.alert.evidence.series, notification.receiver.timezone, notification.receiver.locale
    )


def build_message(
    notification: Notification, now: datetime, chart: bytes | None = None, links: IncidentLinks | None = None
) -> EmailMessage:
    """The whole email, with ``chart`` (a PNG) inline in the HTML part when given (pure). The subject is the
    same for every message of the incident (clients thread on it); with ``links``, the body links to the
    incident page."""
    config = notification.receiver.email
    assert config is not None
    view = build_view(notification, now, links)
    opener = notification.thread_ref
    if opener is None or _MESSAGE_ID.fullmatch(opener) is None:
        opener = thread_message_id(notification.receiver.name, notification.alert.incident_id, config.message_id_domain)
    image = None
    if chart is not None:
        content_id = hashed_id("chart", notification.notification_id, config.message_id_domain).strip("<>")
        image = Png(content_id, "chart.png", chart)
    return email_message(
        subject=header_text(view.subject),
        sender=config.sender,
        to=config.to,
        date=now,
        message_id=message_id(notification, config.message_id_domain),
        text=render_email_text(view),
        html=render_email_html(view, image.content_id if image is not None else None),
        images=(image,) if image is not None else (),
        in_reply_to=opener if notification.kind != "open" else None,
        headers=(
            ("X-Vigie-Incident", header_token(notification.alert.incident_id)),
            ("X-Vigie-Notification", header_token(notification.notification_id)),
        ),
    )


async def send_smtp(message: EmailMessage, smtp: SmtpServer, password: SecretStr | None) -> None:
    """Send through the relay; classify failures: refused recipients, failed auth and 5xx replies are
    permanent, 4xx replies, timeouts and connection errors retryable. The password is sent only with a
    username and never appears in an error."""
    secret = password.get_secret_value() if password is not None and smtp.username else None
    try:
        await aiosmtplib.send(
            message,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=secret,
            use_tls=smtp.security == "tls",
            start_tls=smtp.security == "starttls",
            timeout=smtp.timeout_s,
            validate_certs=smtp.validate_certs,
            cert_bundle=str(smtp.ca_file) if smtp.ca_file is not None else None,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise PermanentDeliveryError(f"smtp: recipients refused: {len(exc.recipients)}") from None
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise PermanentDeliveryError(f"smtp: authentication failed ({exc.code})") from None
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentDeliveryError(f"smtp: {exc.code} {exc.message[:200]}") from None
        raise RetryableDeliveryError(f"smtp: {exc.code} {exc.message[:200]}") from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise RetryableDeliveryError(f"smtp: {type(exc).__name__}: {str(exc)[:200]}") from None


class EmailDelivery:
    """The ``email`` integration. The SMTP password comes from the settings (a SecretStr), never the file."""

    name: IntegrationName = "email"

    def __init__(
        self,
        clock: Clock,
        password: SecretStr | None = None,
        charts: ChartRenderer | None = None,
        links: IncidentLinks | None = None,
    ) -> None:
        self._clock = clock
        self._links = links
        self._password = password
        self._charts = charts or ChartRenderer()

    async def notify(self, notification: Notification) -> str | None:
        config = notification.receiver.email
        assert config is not None
        request = chart_request(notification)
        chart = await self._charts.render(request) if request is not None else None
        message = build_message(notification, self._clock.now(), chart, self._links)
        await send_smtp(message, config.smtp, self._password)
        return thread_message_id(notification.receiver.name, notification.alert.incident_id, config.message_id_domain)
