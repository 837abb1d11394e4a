"""Rendering in French and English, in the receiver's time zone, with hostile text kept inert."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from vigie.digest import DigestAccumulator, DigestOptions
from vigie.digest.render import Locale, slack_payload, teams_payload, text_summary
from vigie.digest.render.charts import sentiment_chart, sentiment_figure
from vigie.digest.render.email import render_email
from vigie.digest.render.html import render_html
from vigie.schemas import DigestEvent, ScoredMention

HOSTILE = "<script>alert(1)</script> <!channel> @here <@U123> voir https://evil.example/x et evil.example"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def digest(stream: list[ScoredMention], kit: type) -> DigestEvent:
    hostile = kit.scored(
        "hostile",
        text=HOSTILE,
        published_at=datetime(2026, 7, 14, 15, 30, tzinfo=UTC),
        sentiment="negative",
        handle="troll",
        followers=100_000,
        likes=1000,
    )
    accumulator = DigestAccumulator([kit.territory])
    for mention in [*stream, hostile]:
        accumulator.observe(mention)
    return next(d for d in accumulator.flush() if d.digest_id == "saint-malo:day:2026-07-14")


def test_html_in_both_locales(digest: DigestEvent) -> None:
    french = render_html([digest], Locale("fr", "Europe/Paris"))
    english = render_html([digest], Locale("en", "Europe/Paris"))
    assert "Image de Saint-Malo — mardi 14 juillet 2026" in french and 'lang="fr"' in french
    assert "Saint-Malo&#39;s image — Tuesday 14 July 2026" in english and 'lang="en"' in english
    assert "Ambassadeurs" in french and "Ambassadors" in english
    # net = (10 - 7) / 21
    assert "Sentiment net\u202f: +0,14" in french and "Net sentiment: +0.14" in english
    assert "pollution" in french and "#plagefermée" in french
    assert french.count("data:image/png;base64,") == 2


def test_html_escapes_hostile_text(digest: DigestEvent) -> None:
    html = render_html([digest], Locale("en"), images="none")
    assert "<script>" not in html and "<!channel>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_times_are_in_the_receivers_time_zone(digest: DigestEvent) -> None:
    # The hostile post was published at 15:30Z.
    assert "14 July 17:30" in render_html([digest], Locale("en", "Europe/Paris"), images="none")
    assert "14 July 11:30" in render_html([digest], Locale("en", "America/New_York"), images="none")
    assert "Times shown in America/New_York." in text_summary(digest, Locale("en", "America/New_York"))


def test_email_has_cid_charts_and_a_text_part(digest: DigestEvent) -> None:
    email = render_email(digest, Locale("fr", "Europe/Paris"))
    assert email.subject == "Image de Saint-Malo — mardi 14 juillet 2026"
    assert len(email.images) == 2 and all(image.png.startswith(PNG) for image in email.images)
    for image in email.images:
        assert f'src="cid:{image.content_id}"' in email.html
    assert "data:image" not in email.html
    assert (
        email.text.splitlines()[2]
        == "- 21 mentions (-30\u202f%) — mastodon 62\u202f%, bluesky 24\u202f%, rss 14\u202f%"
    )


@pytest.mark.parametrize("build", [slack_payload, teams_payload])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_chat_payloads_carry_no_ping_or_link(digest: DigestEvent, build: object, language: str) -> None:
    payload = build(digest, Locale(language))  # type: ignore[operator]
    document = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in document and "<@U123>" not in document and "<script>" not in document
    assert not re.search(r"@here\b", document)
    assert "https://evil" not in document and "evil.example" not in document
    # Still readable, but inert: Slack's own escapes, Teams' look-alike angle brackets.
    assert ("&lt;!\u2060channel&gt;" if build is slack_payload else "‹!\u2060channel›") in document
    assert ("Image de Saint-Malo" if language == "fr" else "Saint-Malo's image") in document


def test_slack_payload_shape(digest: DigestEvent) -> None:
    payload = slack_payload(digest, Locale("en"))
    assert payload["unfurl_links"] is False and payload["unfurl_media"] is False
    assert [block["type"] for block in payload["blocks"]] == ["header", "section", "context"]
    section = payload["blocks"][1]["text"]["text"]
    assert "• 21 mentions (-30%)" in section and "Ambassadors: @\u2060alice (3)" in section  # no ping


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        Locale("de")  # type: ignore[arg-type]


def test_the_sentiment_chart_legend_is_outside_the_plot(digest: DigestEvent) -> None:
    """The legend lies outside the plot area: it hides no bar and no point of the net line."""
    figure = sentiment_figure(digest, Locale("fr"))
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    (axes, _net_axes) = figure.axes
    legend = axes.get_legend()
    assert legend is not None
    names = [text.get_text() for text in legend.get_texts()]
    assert names == ["négatives", "neutres", "positives", "Sentiment net"]
    plot_area = axes.get_window_extent(renderer)
    assert not legend.get_window_extent(renderer).overlaps(plot_area)
    assert sentiment_chart(digest, Locale("fr")).startswith(PNG)


def test_html_tells_the_story_and_never_a_ratio_without_a_baseline(stream: list[ScoredMention], kit: type) -> None:
    campaign = "POLLUTION DU SILLON : la mairie doit rendre des comptes ! Partagez ! #plagefermée"
    copies = [
        kit.scored(
            f"c{i}",
            text=campaign,
            published_at=datetime(2026, 7, 13, 9, i, tzinfo=UTC),
            sentiment="negative",
            handle=f"acct{i}",
        )
        for i in range(40)
    ]
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",)))
    for mention in [*copies, *stream]:
        accumulator.observe(mention)
    first, second = accumulator.flush()
    french = render_html([first], Locale("fr"), images="none")
    assert first.themes_basis == "frequency"
    assert "× la normale" not in french and "Sujets les plus fréquents" in french
    assert "Pas encore de période de référence" in french
    assert "Récit dominant\u202f: « POLLUTION DU SILLON" in french
    # 40 copies by 40 accounts (distinct authors are estimated: linear counting over 256 bits).
    assert re.search("repris 40\u00a0fois par 3[89]\u00a0comptes — campagne de copier-coller", french)
    english = text_summary(first, Locale("en"))
    assert "Dominant storyline: “POLLUTION DU SILLON" in english and "copy-paste campaign" in english
    # The next day has a baseline: the planted terms are new there, with no invented ratio.
    assert "nouveau" in render_html([second], Locale("fr"), images="none")


def test_a_campaign_is_named_in_the_summary_even_when_another_story_is_larger(kit: type) -> None:
    campaign = "POLLUTION DU SILLON : la mairie doit rendre des comptes ! Partagez ! #plagefermée"
    mentions = [
        kit.scored(f"c{i}", text=campaign, published_at=datetime(2026, 7, 13, 9, i, tzinfo=UTC), handle=f"a{i}")
        for i in range(12)
    ] + [
        kit.scored(
            f"h{i}",
            text="Honte à la mairie, aucune information",
            published_at=datetime(2026, 7, 13, 12, i * 3, tzinfo=UTC),
            handle=f"h{i}",
        )
        for i in range(20)
    ]
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",)))
    for mention in mentions:
        accumulator.observe(mention)
    summary = text_summary(accumulator.flush()[0], Locale("fr"))
    assert "Récit dominant\u202f: « Honte à la mairie, aucune information »" in summary
    assert "Campagne de copier-coller\u202f: « POLLUTION DU SILLON" in summary
