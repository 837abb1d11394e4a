"""Microsoft Teams Adaptive Cards (pure). Untrusted text goes through
:func:`~vigie.text.teams.teams_markdown` (no links, mentions or Markdown)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.view import MessageView
from vigie.text.defang import one_line
from vigie.text.teams import teams_markdown


def adaptive_card(view: MessageView) -> dict[str, Any]:
    words = CATALOG[view.locale]
    colour = "Good" if view.resolved else ("Attention" if view.severity == "critical" else "Warning")
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": teams_markdown(view.status), "weight": "Bolder", "color": colour, "wrap": True},
        {
            "type": "TextBlock",
            "text": teams_markdown(view.subject),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "TextBlock", "text": teams_markdown(view.intro), "wrap": True},
        *(
            {"type": "TextBlock", "text": "- " + teams_markdown(one_line(line, 400)), "wrap": True}
            for line in view.story
        ),
        {"type": "TextBlock", "text": teams_markdown(view.figures), "wrap": True, "weight": "Bolder"},
        {
            "type": "FactSet",
            "facts": [{"title": teams_markdown(k), "value": teams_markdown(v)} for k, v in view.facts],
        },
    ]
    if view.mentions and not view.resolved:
        body.append({"type": "TextBlock", "text": words["top_mentions"], "weight": "Bolder", "wrap": True})
        for mention in view.mentions:
            meta = [mention.author or "", mention.source, mention.reach, mention.published]
            body.append(
                {
                    "type": "Container",
                    "style": "emphasis",
                    "items": [
                        {"type": "TextBlock", "text": teams_markdown(one_line(mention.text)), "wrap": True},
                        {
                            "type": "TextBlock",
                            "text": teams_markdown(" · ".join(m for m in meta if m)),
                            "isSubtle": True,
                            "size": "Small",
                            "wrap": True,
                        },
                    ],
                }
            )
    facts = [
        (words["terms"], ", ".join(one_line(t, 40) for t in view.terms) or words["none"]),
        (words["hashtags"], ", ".join(one_line(t, 40) for t in view.hashtags) or words["none"]),
        (words["sources"], one_line(view.sources, 300)),
        (words["languages"], one_line(view.languages, 300)),
    ]
    body.append({"type": "FactSet", "facts": [{"title": k, "value": teams_markdown(v)} for k, v in facts]})
    if view.chart_url:
        body.insert(4 + len(view.story), {"type": "Image", "url": view.chart_url, "altText": words["chart_alt"]})
    body.append({"type": "TextBlock", "text": teams_markdown(view.footer), "isSubtle": True, "size": "Small"})
    card_actions: list[dict[str, Any]] = []
    if view.incident_url:
        card_actions.append({"type": "Action.OpenUrl", "title": words["incident_page"], "url": view.incident_url})
        if not view.resolved:
            card_actions.append(
                {"type": "Action.OpenUrl", "title": words["acknowledge"], "url": view.incident_url + "#actions"}
            )
            card_actions.append(
                {"type": "Action.OpenUrl", "title": words["silence"], "url": view.incident_url + "#actions"}
            )
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
        **({"actions": card_actions} if card_actions else {}),
    }


#: Largest body sent to a Teams webhook, in UTF-8 bytes of its JSON. Microsoft documents 28 KB for a message
#: sent through a webhook (larger ones are refused with 413); a margin stays for what the gateway adds.
MAX_TEAMS_BYTES = 26 * 1024


def teams_message(view: MessageView) -> dict[str, Any]:
    """The body a Teams Workflows webhook expects: a message with one Adaptive Card attachment, within
    :data:`MAX_TEAMS_BYTES`: quoted posts are dropped from the last, then the story's lines, the terms and the
    footer shortened, until it fits (the card keeps its status, figures, facts and the link to the incident)."""
    message = _message(view)
    for smaller in _smaller_views(view):
        if _size(message) <= MAX_TEAMS_BYTES:
            break
        message = _message(smaller)
    return message


def _size(message: dict[str, Any]) -> int:
    return len(json.dumps(message, ensure_ascii=False).encode("utf-8"))


def _smaller_views(view: MessageView) -> Iterator[MessageView]:
    """Ever smaller versions of ``view``: fewer quoted posts, then shorter untrusted texts."""
    for keep in range(len(view.mentions) - 1, -1, -1):
        yield replace(view, mentions=view.mentions[:keep])
    short = replace(
        view,
        mentions=(),
        story=tuple(one_line(line, 200) for line in view.story[:3]),
        terms=view.terms[:5],
        hashtags=view.hashtags[:5],
        facts=tuple((one_line(k, 80), one_line(v, 200)) for k, v in view.facts[:12]),
        footer=one_line(view.footer, 300),
    )
    yield short
    yield replace(short, story=(), facts=short.facts[:4], intro=one_line(view.intro, 300))


def _message(view: MessageView) -> dict[str, Any]:
    return {
        "type": "message",
        "summary": teams_markdown(view.subject),
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": adaptive_card(view),
            }
        ],
    }
