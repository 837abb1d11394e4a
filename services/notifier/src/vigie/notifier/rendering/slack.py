"""Slack Block Kit messages with a plain-text fallback (pure). Untrusted text goes through
:func:`~vigie.text.slack.slack_mrkdwn`: no ``<!channel>``, ``<!here>``, links or pings.

Every untrusted piece is cut *before* it is escaped, to the longest length whose escaped form fits its budget
(:func:`~vigie.text.slack.slack_mrkdwn_within`), so no cut ever falls inside an escape
(``&amp;``) or a link (``<url|label>``), and every text stays within Block Kit's limits (3,000 characters a
section or context element, 2,000 a field, 150 a header) whatever the input.

The message leads with the story and the figures, then the chart (the incident page's signed chart URL)
and the actions: open the incident (a link button), acknowledge and silence (interactive buttons whose
``value`` is the incident id; see :mod:`vigie.notifier.slack_interactions`).
"""

from __future__ import annotations

from typing import Any

from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.view import MessageView
from vigie.text.defang import link_url, one_line
from vigie.text.slack import slack_mrkdwn, slack_mrkdwn_within, slack_plain

_EMOJI = {"warning": ":warning:", "major": ":large_orange_circle:", "critical": ":red_circle:"}
#: Action ids of the interactive buttons (the interactivity endpoint dispatches on them).
ACKNOWLEDGE_ACTION = "vigie_acknowledge"
SILENCE_ACTION = "vigie_silence"
_TERM_CHARS = 40
_STORY_CHARS = 400
#: Block Kit's limits: a section's or context element's text, a section field.
_SECTION_CHARS = 3000
_FIELD_CHARS = 2000


def _link(url: str, label: str) -> str:
    """A mrkdwn link to a post (``url`` is http(s) by contract): every character that could end or split
    the ``<url|label>`` form (``| < >``, whitespace, controls, non-ASCII) is percent-encoded."""
    safe = link_url(url).replace("&", "&amp;")
    return f"<{safe}|{slack_mrkdwn(label)}>"


def slack_text(view: MessageView) -> str:
    """The notification fallback text (shown in push notifications and by clients without blocks)."""
    return slack_plain(one_line(f"{view.status} — {view.subject} — {view.intro} {view.figures}", 1000))


def _terms(items: tuple[str, ...], limit: int) -> str:
    return slack_mrkdwn_within(", ".join(one_line(t, _TERM_CHARS) for t in items), limit)


def slack_actions(view: MessageView, incident_id: str) -> dict[str, Any] | None:
    """The buttons: open the incident page (when there is a link), acknowledge, silence."""
    words = CATALOG[view.locale]
    elements: list[dict[str, Any]] = []
    if view.incident_url:
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": words["incident_page"]},
                "url": view.incident_url[:3000],
                "style": "primary",
                "action_id": "vigie_open",
            }
        )
    if not view.resolved:
        value = incident_id[:2000]
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": words["acknowledge"]},
                "action_id": ACKNOWLEDGE_ACTION,
                "value": value,
            }
        )
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": words["silence"]},
                "action_id": SILENCE_ACTION,
                "value": value,
            }
        )
    return {"type": "actions", "block_id": "vigie_actions", "elements": elements} if elements else None


def slack_blocks(view: MessageView, incident_id: str = "", chart_image: bool = True) -> list[dict[str, Any]]:
    """The Block Kit message; with ``chart_image``, an image block of the page's signed chart URL (Slack fetches
    it, and refuses the whole message when it cannot: only for a notifier that Slack can reach)."""
    words = CATALOG[view.locale]
    colon = words["colon"]
    emoji = ":white_check_mark:" if view.resolved else _EMOJI.get(view.severity, ":red_circle:")
    per_line = _SECTION_CHARS // max(1, len(view.story)) - 3
    story = "\n".join(f"• {slack_mrkdwn_within(one_line(line, _STORY_CHARS), per_line)}" for line in view.story)
    status = slack_mrkdwn_within(view.status, 300)
    lead = f"{emoji} *{status}* — {slack_mrkdwn_within(view.intro, _SECTION_CHARS - len(status) - 40)}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": one_line(slack_plain(view.subject), 150), "emoji": False},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": lead}},
    ]
    if story:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": story}})
    blocks.append(
        {"type": "section", "text": {"type": "mrkdwn", "text": slack_mrkdwn_within(view.figures, _SECTION_CHARS)}}
    )
    actions = slack_actions(view, incident_id)
    if actions is not None:
        blocks.append(actions)
    if view.chart_url and chart_image:
        blocks.append({"type": "image", "image_url": view.chart_url[:3000], "alt_text": words["chart_alt"]})
    blocks.append(
        {
            "type": "section",
            "fields": [
                {
                    "type": "mrkdwn",
                    "text": f"*{slack_mrkdwn_within(label, 200)}*\n{slack_mrkdwn_within(one_line(value, 200), 1500)}",
                }
                for label, value in view.facts[:10]
            ],
        }
    )
    if view.mentions and not view.resolved:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{words['top_mentions']}*"}})
        for mention in view.mentions:
            meta = [slack_mrkdwn_within(mention.author, 400)] if mention.author else []
            meta += [slack_mrkdwn(mention.source), slack_mrkdwn(mention.reach), slack_mrkdwn(mention.published)]
            if mention.url and len(mention.url) <= 1000:
                meta.append(_link(mention.url, words["view_post"]))
            line = " · ".join(meta)
            text = f"> {slack_mrkdwn_within(one_line(mention.text, 280), _SECTION_CHARS - len(line) - 3)}\n" + line
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    context = [
        f"*{words['terms']}{colon}* {_terms(view.terms, _SECTION_CHARS - 100) or words['none']}",
        f"*{words['hashtags']}{colon}* {_terms(view.hashtags, _SECTION_CHARS - 100) or words['none']}",
        f"*{words['sources']}{colon}* {slack_mrkdwn_within(one_line(view.sources, 300), 1500)}",
        f"*{words['languages']}{colon}* {slack_mrkdwn_within(one_line(view.languages, 300), 1500)}",
    ]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": c} for c in context]})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_plain(one_line(view.footer, 600))}]}
    )
    return blocks
