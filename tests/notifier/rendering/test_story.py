"""What a reader of the first notification learns: the storyline, the campaign, the terms, the figures with
their window, the link; one subject for the whole incident; the chart inline; no contradiction at resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.notifier import OPENED, email_receiver, make_alert, routes
from vigie.notifier.integrations.email import build_message
from vigie.notifier.links import IncidentLinks
from vigie.notifier.notification import Notification
from vigie.notifier.rendering.slack import slack_blocks
from vigie.notifier.rendering.story import figures, window_minutes
from vigie.notifier.rendering.teams import teams_message
from vigie.notifier.rendering.view import build_view
from vigie.schemas import AlertEvent, PostCluster, SeriesPoint, TermWeight

NOW = datetime(2026, 11, 27, 9, 10, tzinfo=UTC)
CONFIG = routes(
    "route: {receiver: fr}\nreceivers:\n"
    + email_receiver("fr", 25, locale="fr")
    + email_receiver("en", 25, locale="en")
)
LINKS = IncidentLinks(b"0123456789abcdef", "https://vigie.example")
CAMPAIGN = "POLLUTION DU SILLON : la mairie doit rendre des comptes ! Partagez ! #plagefermée"


def _alert(**kw: object) -> AlertEvent:
    alert = make_alert(**kw)  # type: ignore[arg-type]
    clusters = (
        PostCluster(text="Honte à la mairie, aucune information sur la pollution du Sillon", author_handle="@user1",
                    source="mastodon", size=55, authors=54, first_published_at=OPENED),
        PostCluster(text=CAMPAIGN, source="bluesky", size=18, authors=17, campaign=True, first_published_at=OPENED),
    )  # fmt: skip
    series = tuple(
        SeriesPoint(start=OPENED + timedelta(minutes=5 * i), observed=0.0 if i < 8 else 23.0, expected=0.1)
        for i in range(11)
    )
    evidence = alert.evidence.model_copy(
        update={
            "clusters": clusters,
            "series": series,
            "terms": (
                TermWeight(term="fioul", count=40, lift=30.0),
                TermWeight(term="hydrocarbures", count=20, lift=25),
            ),
            "hashtags": (TermWeight(term="plagefermée", count=111, lift=80.0),),
            "negative_mentions": 444,
            "new_author_share": 0.4,
        }
    )
    significance = alert.significance.model_copy(update={"observed": 69.0, "expected": 0.3, "ratio": 230.0})
    return alert.model_copy(update={"evidence": evidence, "significance": significance})


def _note(alert: AlertEvent, kind: str = "open", locale: str = "fr") -> Notification:
    return Notification(f"{locale}:{alert.event_id}", CONFIG.receiver(locale), alert, kind, None)  # type: ignore[arg-type]


def test_the_first_notification_tells_the_story_the_figures_and_where_to_go() -> None:
    view = build_view(_note(_alert(severity="critical")), NOW, LINKS)
    story = "\n".join(view.story)
    assert "Récit dominant\u00a0: «\u00a0Honte à la mairie" in story and "repris 55 fois par 54 comptes" in story
    assert "Campagne de copier-coller" in story and "18 fois par 17 comptes" in story
    assert "#plagefermée" in story and "fioul" in story
    assert "40\u00a0% des auteurs" in story
    assert view.figures == "69 mentions négatives en 15\u00a0min, 0,3 attendues (230 fois la normale)."
    assert view.incident_url is not None and view.incident_url.startswith("https://vigie.example/incidents/")
    english = build_view(_note(_alert(severity="critical"), locale="en"), NOW, LINKS)
    assert "Copy-paste campaign" in "\n".join(english.story)
    assert english.figures == "69 negative mentions in 15 min, 0.3 expected (230 times the usual level)."


def test_one_subject_per_incident_inline_chart_and_a_resolution_without_contradiction() -> None:
    opened = build_message(_note(_alert(severity="major")), NOW, b"\x89PNG...", LINKS)
    worse = build_message(
        _note(_alert(sequence=1, transition="escalated", severity="critical"), "update"), NOW, None, LINKS
    )
    resolved_alert = _alert(sequence=2, transition="resolved", severity="critical")
    resolved_alert = resolved_alert.model_copy(update={"resolved_at": resolved_alert.event_time})
    resolved = build_message(_note(resolved_alert, "resolve"), NOW, None, LINKS)
    assert opened["Subject"] == worse["Subject"] == resolved["Subject"]
    [chart] = [p for p in opened.walk() if p.get_content_type() == "image/png"]
    assert chart["Content-Disposition"].startswith("inline")
    text = resolved.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "RÉSOLU" in text and "fois la normale" not in text and "444 mentions négatives" in text
    assert "https://vigie.example/incidents/" in text


def test_slack_and_teams_carry_the_link_the_chart_and_the_actions() -> None:
    view = build_view(_note(_alert(severity="critical")), NOW, LINKS)
    blocks = slack_blocks(view, "saint-malo:negative_surge:20261127T0800")
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [e.get("action_id") for e in actions["elements"]] == ["vigie_open", "vigie_acknowledge", "vigie_silence"]
    assert any(b["type"] == "image" and "/chart.png?" in b["image_url"] for b in blocks)
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    card = teams_message(view)["attachments"][0]["content"]
    assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "Ouvrir l'incident", "url": view.incident_url}


def test_long_untrusted_text_is_cut_before_it_is_escaped_in_slack() -> None:
    alert = _alert(texts=("&" * 960 + " <https://evil.example|clic>",))
    blocks = slack_blocks(build_view(_note(alert), NOW, LINKS), "x")
    for block in blocks:
        text = block.get("text", {}).get("text", "") if isinstance(block.get("text"), dict) else ""
        assert len(text) <= 3000
        assert "&am…" not in text and not text.rstrip("…").endswith("&amp")


def test_windows_of_the_figures() -> None:
    series = tuple(
        SeriesPoint(start=OPENED + timedelta(minutes=5 * i), observed=float(i), expected=0) for i in range(13)
    )
    assert window_minutes(series, 12 + 11 + 10) == 15
    assert window_minutes(series, 999) is None
    no_series = _alert().model_copy(update={"evidence": _alert().evidence.model_copy(update={"series": ()})})
    assert figures(no_series, "fr") == "69 mentions négatives, 0,3 attendues (230 fois la normale)."


def test_the_first_post_is_named_only_when_it_is_about_the_incident() -> None:
    from vigie.schemas import EvidenceMention

    def first(text: str) -> AlertEvent:
        alert = _alert(severity="critical")
        post = EvidenceMention(
            mention_id="m-first", text=text, author_handle="@early", reach=10, source="reddit", language="fr",
            sentiment="negative", published_at=datetime(2026, 11, 27, 7, 54, tzinfo=UTC),
        )  # fmt: skip
        return alert.model_copy(update={"evidence": alert.evidence.model_copy(update={"first_mention": post})})

    unrelated = build_view(_note(first("Crêpes trop chères à Saint-Malo, décevant")), NOW, LINKS)
    assert not any("Première publication" in line for line in unrelated.story)
    related = build_view(_note(first("Du fioul sur la plage du Sillon ?")), NOW, LINKS)
    assert "Première publication\u00a0: 27/11 08:54 (@early, reddit)." in related.story  # Paris time
    english = build_view(_note(first("Du fioul sur la plage du Sillon ?"), locale="en"), NOW, LINKS)
    assert "First post: 27 Nov 08:54 (@early, reddit)." in english.story


def test_the_resolution_invites_a_verdict_not_an_acknowledgement() -> None:
    resolved_alert = _alert(sequence=2, transition="resolved", severity="critical")
    resolved_alert = resolved_alert.model_copy(update={"resolved_at": resolved_alert.event_time})
    for locale, invitation, figures_text in (
        ("fr", "revoir son déroulé et dire s'il s'agissait d'une vraie crise ou d'une fausse alerte\u00a0:",
         "Au plus fort\u00a0: CRITIQUE. En tout\u00a0: 444 mentions négatives en"),
        ("en", "review it and say whether it was a real crisis or a false alarm:",
         "At its worst: CRITICAL. In all: 444 negative mentions over"),
    ):  # fmt: skip
        message = build_message(_note(resolved_alert, "resolve", locale), NOW, None, LINKS)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert invitation in text and figures_text in text
        assert "accuser réception" not in text and "acknowledge" not in text
        assert "sourdine" not in text and "silence" not in text
