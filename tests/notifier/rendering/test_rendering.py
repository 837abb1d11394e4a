"""Rendering: subjects, both locales, times in the receiver's zone, and hostile mention text made harmless
in every template (email text and HTML, Slack blocks and fallback, Teams card, webhook)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.notifier import HOSTILE_TEXTS, email_receiver, make_alert, routes
from vigie.notifier.integrations.email import build_message, chart_request
from vigie.notifier.integrations.webhook import cloud_event, sign, verify
from vigie.notifier.notification import MessageKind, Notification
from vigie.notifier.rendering.chart import draw_chart
from vigie.notifier.rendering.slack import slack_blocks, slack_text
from vigie.notifier.rendering.teams import teams_message
from vigie.notifier.rendering.view import build_view

NOW = datetime(2026, 11, 27, 9, 10, tzinfo=UTC)
CONFIG = routes(
    "route: {receiver: fr}\nreceivers:\n"
    + email_receiver("fr", 25, locale="fr")
    + email_receiver("en", 25, locale="en").replace("Europe/Paris", "America/New_York")
)


def notification(
    locale: str, kind: MessageKind = "open", texts: tuple[str, ...] = HOSTILE_TEXTS, **kw: Any
) -> Notification:
    alert = make_alert(texts=texts, **kw)
    return Notification(f"{locale}:{alert.event_id}", CONFIG.receiver(locale), alert, kind, None)


def test_subjects_and_locales() -> None:
    fr = build_view(notification("fr", severity="critical"), NOW)
    en = build_view(notification("en", severity="critical"), NOW)
    # One subject per incident (mail clients thread on it): severity and status are in the body.
    assert fr.subject == "Saint-Malo\u00a0: vague de mentions négatives (incident du 27/11/2026 09:00)"
    assert en.subject == "Saint-Malo: surge of negative mentions (incident of 2026-11-27 03:00)"
    assert fr.status == "CRITIQUE — nouvel incident"
    assert "Une vague de mentions négatives sur Saint-Malo" in fr.intro
    assert "A surge of negative mentions about Saint-Malo" in en.intro
    assert ("Début", "27/11/2026 09:00") in fr.facts  # 08:00 UTC in Paris
    assert ("Fuseau horaire", "heure de Paris") in fr.facts
    assert ("Started", "2026-11-27 03:00") in en.facts  # and in New York
    assert ("Time zone", "New York time") in en.facts
    resolved = build_view(notification("fr", "resolve", sequence=4, transition="resolved", ratio=2.5), NOW)
    assert resolved.subject == fr.subject
    assert resolved.status.startswith("RÉSOLU")
    # The resolution quotes the peak, not the last window's ratio next to "back to normal".
    assert "fois la normale" not in resolved.figures and "Au plus fort" in resolved.figures


def _no_live_markup(text: str, markup: bool = True) -> None:
    """No pings, no links; with ``markup``, no live tags either (plain text shows ``<script>`` as text)."""
    if markup:
        assert "<!channel>" not in text and "<!here>" not in text and "<@U" not in text
        assert "<script" not in text.lower()
    assert (
        not re.search(r"<https?://(?!mastodon\.example/)", text)
        and "https://evil" not in text
        and "http://evil" not in text
    )
    assert not re.search(r"\]\(https?://", text)
    assert not re.search(r"(?<![\w\u2060])@(here|channel|everyone)\b", text)
    assert "www.evil-site.com" not in text


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_email_text_and_html_escape_hostile_text(locale: str) -> None:
    message = build_message(notification(locale), NOW)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    _no_live_markup(text, markup=False)
    _no_live_markup(html)
    assert "&lt;script&gt;" in html and "&lt;b&gt;pollution&lt;/b&gt;" in html
    assert "honte à la mairie" in text
    # the post's own URL is the only link, and only in HTML
    assert re.findall(r'href="([^"]+)"', html) == [f"https://mastodon.example/@user{i}/{i}" for i in range(5)]


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_slack_blocks_and_fallback_escape_hostile_text(locale: str) -> None:
    view = build_view(notification(locale), NOW)
    blocks = json.dumps(slack_blocks(view), ensure_ascii=False)
    fallback = slack_text(view)
    for rendered in (blocks, fallback):
        _no_live_markup(rendered)
    links = re.findall(r"<([^>|]+)\|", blocks)
    assert links and all(link.startswith("https://mastodon.example/") for link in links)
    assert "&lt;!\u2060channel&gt;" in blocks


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_teams_card_and_webhook_escape_or_carry_hostile_text(locale: str) -> None:
    card = json.dumps(teams_message(build_view(notification(locale), NOW)), ensure_ascii=False)
    _no_live_markup(card)
    assert "<at>" not in card
    event = cloud_event(notification(locale), NOW)
    assert event["specversion"] == "1.0" and event["type"] == "org.vigie.notification.raised.v1"
    # JSON is data, not markup: the webhook carries the original text for the integrator to escape.
    assert event["data"]["alert"]["evidence"]["top_mentions"][0]["text"] == HOSTILE_TEXTS[0]


def test_webhook_signatures() -> None:
    body = b'{"a":1}'
    assert verify("s3cret", sign("s3cret", 1764230400, body), body)
    assert not verify("s3cret", sign("other", 1764230400, body), body)


def test_email_is_multipart_with_inline_chart_and_stable_ids() -> None:
    opener = notification("fr")
    request = chart_request(opener)
    assert request is not None
    first = build_message(opener, NOW, draw_chart(request))
    assert first.get_content_type() == "multipart/alternative"
    html_part = first.get_body(("html",))
    assert html_part is not None
    related = [p for p in first.walk() if p.get_content_type() == "image/png"]
    assert len(related) == 1 and related[0].get_content().startswith(b"\x89PNG")  # type: ignore[union-attr]
    cid = related[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_part.get_content()  # type: ignore[union-attr]
    again = build_message(notification("fr"), NOW)
    assert first["Message-ID"] == again["Message-ID"]
    reply = build_message(notification("fr", "resolve", sequence=3, transition="resolved"), NOW)
    assert reply["In-Reply-To"] == first["Message-ID"] == reply["References"]
    assert reply["Message-ID"] != first["Message-ID"]
