"""Compact digest summaries: plain text (email alternative), Slack (Block Kit, mrkdwn) and Teams (Adaptive
Card) payloads for the notifier to send.

Everything that comes from the outside (post texts, territory and author names, themes) is neutralised
before it reaches a chat: ``&``, ``<`` and ``>`` are escaped (so ``<!channel>``, ``<!here>``, ``<@U123>``
and ``<url|label>`` cannot be forged), ``@channel``/``@here``/``@everyone`` get a word joiner after the
``@``, and links are defanged (``://`` and ``.`` before a letter get a word joiner), so nothing pings,
links or unfurls. The word joiner (U+2060) is invisible.
"""

from __future__ import annotations

import re
from typing import Any

from vigie.digest.render.locale import Locale
from vigie.schemas import DigestEvent, DigestPost, DigestStory

WORD_JOINER = "\u2060"
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_SCHEME = re.compile(r"://")
_DOT = re.compile(r"\.(?=[^\W\d_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
PREVIEW_CHARS = 160


def neutralise(text: str) -> str:
    """Untrusted text made inert for Slack mrkdwn and Teams markdown (see the module docstring)."""
    text = _CONTROL.sub(" ", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _BROADCAST.sub("@" + WORD_JOINER, text)
    text = _SCHEME.sub(":" + WORD_JOINER + "//", text)
    return _DOT.sub("." + WORD_JOINER, text)


def _preview(post: DigestPost | DigestStory) -> str:
    text = " ".join(post.text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def storyline(story: DigestStory, locale: Locale, *, inert: bool) -> str:
    """The dominant storyline in one sentence: the largest cluster's most reached post, its source, how many
    times and by how many accounts it was posted, and whether it is a copy-paste campaign."""
    clean = neutralise if inert else (lambda text: text)
    sentence = locale.t(
        "storyline",
        text=clean(_preview(story)),
        source=story.source,
        size=locale.number(story.size),
        authors=locale.number(story.authors),
    )
    return f"{sentence} — {locale.t('campaign')}" if story.campaign else sentence


def summary_lines(digest: DigestEvent, locale: Locale, *, inert: bool) -> list[str]:
    """The summary as lines; ``inert`` neutralises untrusted text for chats (plain text keeps it as is)."""
    clean = neutralise if inert else (lambda text: text)
    t = locale.t
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
        lines.append(storyline(digest.stories[0], locale, inert=inert))
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
    """Plain text (the ``text/plain`` part of the email)."""
    title = locale.title(digest)
    body = "\n".join(f"- {line}" for line in summary_lines(digest, locale, inert=False))
    return f"{title}\n{'=' * len(title)}\n{body}\n\n{locale.t('times_in', zone=locale.timezone)}\n"


def slack_payload(digest: DigestEvent, locale: Locale) -> dict[str, Any]:
    """A Slack ``chat.postMessage``/incoming-webhook body: header, one mrkdwn section, a context line."""
    title = locale.title(digest)
    lines = summary_lines(digest, locale, inert=True)
    return {
        "text": neutralise(title),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": False}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(f"• {line}" for line in lines)[:3000]}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": neutralise(locale.t("times_in", zone=locale.timezone))}],
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
            "text": neutralise(locale.title(digest)),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    body += [
        {"type": "TextBlock", "text": f"- {line}", "wrap": True} for line in summary_lines(digest, locale, inert=True)
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
