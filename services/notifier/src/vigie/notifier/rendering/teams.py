"""Microsoft Teams Adaptive Cards (pure). Untrusted text goes through
:func:`~vigie.notifier.rendering.escaping.teams_markdown` (no links, mentions or Markdown)."""

from __future__ import annotations

from typing import Any

from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.escaping import one_line, teams_markdown
from vigie.notifier.rendering.view import MessageView


def adaptive_card(view: MessageView) -> dict[str, Any]:
    words = CATALOG[view.locale]
    colour = "Good" if view.resolved else ("Attention" if view.severity == "critical" else "Warning")
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": teams_markdown(view.subject),
            "weight": "Bolder",
            "size": "Medium",
            "color": colour,
            "wrap": True,
        },
        {"type": "TextBlock", "text": teams_markdown(view.intro), "wrap": True},
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
        (words["terms"], ", ".join(view.terms) or words["none"]),
        (words["hashtags"], ", ".join(view.hashtags) or words["none"]),
        (words["sources"], view.sources),
        (words["languages"], view.languages),
    ]
    body.append({"type": "FactSet", "facts": [{"title": k, "value": teams_markdown(v)} for k, v in facts]})
    body.append({"type": "TextBlock", "text": teams_markdown(view.footer), "isSubtle": True, "size": "Small"})
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
    }


def teams_message(view: MessageView) -> dict[str, Any]:
    """The body a Teams Workflows webhook expects: a message with one Adaptive Card attachment."""
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
