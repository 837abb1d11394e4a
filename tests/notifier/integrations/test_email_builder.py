"""The one email builder: an incident email and a digest email have the same MIME structure (text, then
HTML with its inline PNGs), the incident's follow-ups thread under its first message, a digest never does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from tests.support.notifier import email_receiver, make_alert, make_digest, routes
from vigie.digest.render import Locale
from vigie.digest.render.email import render_email
from vigie.notifier.digests.channels import digest_email, digest_message_id
from vigie.notifier.integrations.email import build_message, thread_message_id
from vigie.notifier.notification import Notification

NOW = datetime(2026, 11, 27, 9, 10, tzinfo=UTC)
CONFIG = routes("route: {receiver: fr}\nreceivers:\n" + email_receiver("fr", 25, locale="fr"))
RELATED = ["multipart/alternative", "text/plain", "multipart/related", "text/html"]


def parsed(message: EmailMessage) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(message.as_bytes())


def test_incident_emails_thread_under_the_first_and_carry_the_chart_inline() -> None:
    alert = make_alert(0)
    opening = parsed(build_message(Notification("fr:a:0", CONFIG.receiver("fr"), alert, "open", None), NOW, b"PNG"))
    update = parsed(build_message(Notification("fr:a:1", CONFIG.receiver("fr"), make_alert(1), "update", None), NOW))
    first = thread_message_id("fr", alert.incident_id, "vigie.local")
    assert opening["Message-ID"] == first and opening["In-Reply-To"] is None
    assert update["In-Reply-To"] == first and update["References"] == first and update["Message-ID"] != first
    assert [p.get_content_type() for p in opening.walk()] == [*RELATED, "image/png"]
    assert [p.get_content_type() for p in update.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    [chart] = [p for p in opening.walk() if p.get_content_type() == "image/png"]
    assert chart.get_content_disposition() == "inline" and chart.get_filename() == "chart.png"
    assert f"cid:{chart['Content-ID'].strip('<>')}" in opening.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for message in (opening, update):
        assert message["Auto-Submitted"] == "auto-generated" and message["X-Vigie-Incident"] == alert.incident_id


def test_a_digest_email_has_its_own_id_and_its_charts_related_to_the_html() -> None:
    digest = make_digest(date(2026, 7, 14))
    email = render_email(digest, Locale("en", "Europe/Paris"))
    message_id = digest_message_id("direction", digest.digest_id, "vigie.test")
    message = parsed(
        digest_email(email, digest, sender="vigie@example.org", to=("a@example.org",), message_id=message_id, date=NOW)
    )
    assert message["Subject"] == "Saint-Malo's image — Tuesday 14 July 2026" and message["In-Reply-To"] is None
    assert message["Message-ID"] == message_id and message_id.startswith("<digest.")
    assert message["X-Vigie-Digest"] == digest.digest_id and message["Auto-Submitted"] == "auto-generated"
    assert [p.get_content_type() for p in message.walk()] == [*RELATED, "image/png", "image/png"]
    cids = {p["Content-ID"].strip("<>") for p in message.walk() if p.get_content_type() == "image/png"}
    assert cids == {image.content_id for image in email.images}
