"""Compact digest summaries: plain text (email alternative), Slack (Block Kit, mrkdwn) and Teams (Adaptive
Card) payloads for the notifier to send.

Everything that comes from the outside (post texts, territory and author names, themes) goes through the
rule of its output format in :mod:`vigie.text` (the same as the incident notifications'): defanged in plain
text, escaped for Slack ``mrkdwn`` or the Teams Markdown subset in chats, so nothing pings, links, unfurls or
formats.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from vigie.digest.render.locale import Locale, say, title
from vigie.schemas import DigestEvent, DigestPost, DigestStory
from vigie.text.defang import defang
from vigie.text.slack import slack_mrkdwn, slack_plain
from vigie.text.teams import teams_markdown

#: The rule that makes untrusted text safe in one output format.
Escape = Callable[[str], str]
PREVIEW_CHARS = 160


def _preview(post: DigestPost | DigestStory) -> str:
    text = " ".join(post.text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def storyline(story: DigestStory, locale: Locale, clean: Escape) -> str:
    """The dominant storyline in one sentence: the largest cluster's most reached post, its source, how many
    times and by how many accounts it was posted, and whether it is a copy-paste campaign; ``clean`` is the
    output format's rule for untrusted text."""
    sentence = say(
        locale,
        "storyline",
        text=clean(_preview(story)),
        source=story.source,
        size=locale.number(story.size),
        authors=locale.number(story.authors),
    )
    return f"{sentence} — {say(locale, 'campaign')}" if story.campaign else sentence


def summary_lines(digest: DigestEvent, locale: Locale, clean: Escape) -> list[str]:
    """The summary as lines, untrusted text through ``clean`` (the output format's rule)."""
    t = partial(say, locale)
    volume = f"{locale.number(digest.volume.total)} {t('mentions')}"
    if digest.volume.previous_total is not None:
        volume += f" ({locale.change(digest.volume.change)})"
    sources = ", ".join(f"{row.key} {locale.percent(row.share)}" for row in digest.sources if row.count)
    mix = digest.sentiment
    lines = [
        f"{volume} — {sources}" if sources else volume,
        f"{locale.number(mix.positive)} {t('positive')} · {locale.number(mix.neutral)} {t('neutral')} · "
        f"{locale.number(mix.negative)} {t('negative')} — {t('net')}{t('colon')} {locale.signed(mix.net)}",
    ]
    if digest.stories:
        lines.append(storyline(digest.stories[0], locale, clean))
        # A copy-paste campaign is news even when it is not the largest story.
        for story in digest.stories[1:]:
            if story.campaign:
                detail = t("story", size=locale.number(story.size), authors=locale.number(story.authors))
                lines.append(f"{t('campaign').capitalize()}{t('colon')} « {clean(_preview(story))} », {detail}")
    if digest.themes:
        themes = ", ".join(("#" if theme.kind == "hashtag" else "") + theme.term for theme in digest.themes[:5])
        heading = t("themes") if digest.themes_basis == "baseline" else t("themes_frequent")
        lines.append(f"{heading}{t('colon')} {clean(themes)}")
    if digest.incidents:
        resolved = sum(incident.outcome == "resolved" for incident in digest.incidents)
        ongoing = len(digest.incidents) - resolved
        lines.append(
            f"{t('incidents')}{t('colon')} {resolved} {t('outcome_resolved')}, {ongoing} {t('outcome_ongoing')}"
        )
    if digest.ambassadors:
        people = ", ".join(f"{a.author} ({a.positive})" for a in digest.ambassadors[:3])
        lines.append(f"{t('ambassadors')}{t('colon')} {clean(people)}")
    if digest.top_negative:
        lines.append(f"{t('top_negative')}{t('colon')} « {clean(_preview(digest.top_negative[0]))} »")
    return lines


def text_summary(digest: DigestEvent, locale: Locale) -> str:
    """Plain text (the ``text/plain`` part of the email; mail clients auto-link it, so it is defanged)."""
    heading = defang(title(digest, locale))
    body = "\n".join(f"- {line}" for line in summary_lines(digest, locale, defang))
    return f"{heading}\n{'=' * len(heading)}\n{body}\n\n{say(locale, 'times_in', zone=locale.timezone)}\n"


def slack_payload(digest: DigestEvent, locale: Locale) -> dict[str, Any]:
    """A Slack ``chat.postMessage``/incoming-webhook body: header, one mrkdwn section, a context line."""
    heading = title(digest, locale)
    lines = summary_lines(digest, locale, slack_mrkdwn)
    return {
        "text": slack_plain(heading),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": heading[:150], "emoji": False}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(f"• {line}" for line in lines)[:3000]}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": slack_plain(say(locale, "times_in", zone=locale.timezone))}],
            },
        ],
        "unfurl_links": False,
        "unfurl_media": False,
    }


def teams_payload(digest: DigestEvent, locale: Locale) -> dict[str, Any]:
    """A Teams incoming-webhook message carrying an Adaptive Card (no mention entities: nothing pings)."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": teams_markdown(title(digest, locale)),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    body += [
        {"type": "TextBlock", "text": f"- {line}", "wrap": True}
        for line in summary_lines(digest, locale, teams_markdown)
    ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }
        ],
    }
