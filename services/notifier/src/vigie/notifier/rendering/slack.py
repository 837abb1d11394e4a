"""Slack Block Kit messages with a plain-text fallback (pure). Untrusted text goes through
:func:`~vigie.notifier.rendering.escaping.slack_mrkdwn`: no ``<!channel>``, ``<!here>``, links or pings."""

from __future__ import annotations

from typing import Any

from vigie.notifier.rendering.catalog import CATALOG
from vigie.notifier.rendering.escaping import link_url, one_line, slack_mrkdwn, slack_plain
from vigie.notifier.rendering.view import MessageView

_EMOJI = {"warning": ":warning:", "major": ":large_orange_circle:", "critical": ":red_circle:"}


def _link(url: str, label: str) -> str:
    """A mrkdwn link to a post (``url`` is http(s) by contract): every character that could end or split
    the ``<url|label>`` form (``| < >``, whitespace, controls, non-ASCII) is percent-encoded."""
    safe = link_url(url).replace("&", "&amp;")
    return f"<{safe}|{slack_mrkdwn(label)}>"


def slack_text(view: MessageView) -> str:
    """The notification fallback text (shown in push notifications and by clients without blocks)."""
    return slack_plain(f"{view.subject} — {view.intro}")


def slack_blocks(view: MessageView) -> list[dict[str, Any]]:
    words = CATALOG[view.locale]
    emoji = ":white_check_mark:" if view.resolved else _EMOJI.get(view.severity, ":red_circle:")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": slack_plain(view.subject)[:150], "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{emoji} {slack_mrkdwn(view.intro)}"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{slack_mrkdwn(label)}*\n{slack_mrkdwn(value)}"}
                for label, value in view.facts[:10]
            ],
        },
    ]
    if view.mentions and not view.resolved:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{words['top_mentions']}*"}})
        for mention in view.mentions:
            meta = [slack_mrkdwn(mention.author)] if mention.author else []
            meta += [slack_mrkdwn(mention.source), slack_mrkdwn(mention.reach), slack_mrkdwn(mention.published)]
            if mention.url:
                meta.append(_link(mention.url, words["view_post"]))
            text = f"> {slack_mrkdwn(one_line(mention.text))}\n" + " · ".join(meta)
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    context = [
        f"*{words['terms']}:* {', '.join(slack_mrkdwn(t) for t in view.terms) or words['none']}",
        f"*{words['hashtags']}:* {', '.join(slack_mrkdwn(h) for h in view.hashtags) or words['none']}",
        f"*{words['sources']}:* {slack_mrkdwn(view.sources)}",
        f"*{words['languages']}:* {slack_mrkdwn(view.languages)}",
    ]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": c[:3000]} for c in context]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": slack_plain(view.footer)}]})
    return blocks
