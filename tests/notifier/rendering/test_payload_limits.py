"""Payloads stay within the receivers' limits for inputs at the contract's maximum sizes: Teams refuses a
webhook message above 28 KB; Slack refuses a section over 3,000 characters, a header or button text over 150,
more than 50 blocks or 10 context elements. The card keeps what a reader needs: status, figures, the link."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.notifier import make_alert, routes
from vigie.notifier.notification import Notification
from vigie.notifier.rendering.slack import slack_blocks
from vigie.notifier.rendering.teams import MAX_TEAMS_BYTES, teams_message
from vigie.notifier.rendering.view import build_view
from vigie.schemas import AlertEvent, CountBy, EvidenceMention, PostCluster, TermWeight

CONFIG = routes(
    "route:\n  receiver: teams\n  routes:\n    - {receiver: slack, continue: true}\n"
    "receivers:\n"
    "  - name: slack\n    locale: fr\n    slack: {mode: webhook, webhook_url: 'http://127.0.0.1:1/s'}\n"
    "  - name: teams\n    locale: fr\n    teams: {url: 'http://127.0.0.1:1/t'}\n"
)
WIDE = "é漢🙂&<>|*"  # multi-byte and escaped characters: the worst case for a byte budget


def wide(n: int) -> str:
    return (WIDE * (n // len(WIDE) + 1))[:n]


def largest_alert() -> AlertEvent:
    """An alert whose every bounded field is at the contract's maximum."""
    base = make_alert()
    at = base.event_time
    mentions = tuple(
        EvidenceMention(
            mention_id=f"m{i}-" + "x" * 500, url="https://example.org/" + "a" * 4000, text=wide(1000),
            author_handle=wide(512), reach=10**12, source="mastodon", language="fr", sentiment="negative",
            published_at=at,
        )
        for i in range(20)
    )  # fmt: skip
    terms = tuple(TermWeight(term=wide(512), count=10**9, lift=1e6) for _ in range(30))
    clusters = tuple(
        PostCluster(text=wide(1000), url="https://example.org/" + "c" * 4000, author_handle=wide(512),
                    source="bluesky", size=10**6, authors=10**6, reach=10**9, campaign=True,
                    first_published_at=at)
        for _ in range(10)
    )  # fmt: skip
    evidence = base.evidence.model_copy(
        update={
            "top_mentions": mentions,
            "terms": terms,
            "hashtags": terms,
            "sources": tuple(CountBy(key=wide(512), count=10**9) for _ in range(16)),
            "languages": tuple(CountBy(key=wide(512), count=10**9) for _ in range(32)),
            "clusters": clusters,
            "first_mention": mentions[0],
        }
    )
    incident = "saint-malo:negative_surge:" + "9" * 480
    return base.model_copy(
        update={
            "incident_id": incident,
            "event_id": incident + ":0",
            "territory_name": wide(512),
            "labels": {f"label{i}-" + "l" * 50: wide(512) for i in range(32)},
            "evidence": evidence,
        }
    )


def view(receiver: str, kind: str) -> Any:
    alert = AlertEvent.model_validate_json(largest_alert().model_dump_json())  # the contract accepts it
    notification = Notification(f"{receiver}:{alert.incident_id}:0", CONFIG.receiver(receiver), alert, kind, None)  # type: ignore[arg-type]
    built = build_view(notification, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    return built.__class__(**{**built.__dict__, "incident_url": "https://vigie.example/i/" + "s" * 300})


@pytest.mark.parametrize("kind", ["open", "update", "resolve"])
def test_teams_message_stays_under_the_webhook_limit_and_keeps_the_essentials(kind: str) -> None:
    message = teams_message(view("teams", kind))
    size = len(json.dumps(message, ensure_ascii=False).encode("utf-8"))
    assert size <= MAX_TEAMS_BYTES <= 28 * 1024, size
    card = message["attachments"][0]["content"]
    assert card["body"][0]["weight"] == "Bolder" and card["body"][0]["text"]  # the status line
    assert card["actions"][0]["type"] == "Action.OpenUrl"  # the link to the incident page


@pytest.mark.parametrize("kind", ["open", "update", "resolve"])
def test_slack_blocks_stay_within_block_kit_limits(kind: str) -> None:
    blocks = slack_blocks(view("slack", kind))
    assert len(blocks) <= 50
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            limit = 150 if block["type"] == "header" else 3000
            assert len(text["text"]) <= limit, (block["type"], len(text["text"]))
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            for element in block["elements"]:
                assert len(element.get("text", "")) <= 3000
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            assert len(element["text"]["text"]) <= 75
            assert len(element.get("url", "")) <= 3000
