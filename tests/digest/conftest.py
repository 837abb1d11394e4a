"""A small generated stream with hand-computed figures, shared by the digest tests.

Saint-Malo (Europe/Paris, UTC+2 in July). 2026-07-13: 30 mentions (18 mastodon, 12 rss; 24 fr, 6 en;
6 negative, 12 neutral, 12 positive), all "Balade tranquille". 2026-07-14: 20 mentions i = 0..19, published
at 06:00Z + 30 min × i (08:00 local onwards), likes = i:

- source: 5..9 bluesky, 17..19 rss, the others (12) mastodon;  language: en when i % 5 == 4, else fr;
- sentiment: 0..5 negative, 6..9 neutral, 10..19 positive;
- planted themes: "pollution" in 0..6 (7), #plagefermée in 0..4 (5), landmark "plage du Sillon" in 5..8 (4);
- planted authors: alice (10, 11, 12 positive; 5000 followers) — an ambassador; bob (13, 14 positive;
  200 followers) — reach too small; carol (15, 16 positive, 3, 4 negative; 3000) — mixed; dave (0, 1, 2
  negative; 800) — a recurrent detractor; everyone else posts once. An author is known per source kind.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigie.schemas import (
    AlertEvent,
    Author,
    Engagement,
    ScoredMention,
    Sentiment,
    SentimentScores,
    Significance,
    Source,
    SourceKind,
    Territory,
)

SAINT_MALO = Territory(
    id="saint-malo",
    name="Saint-Malo",
    aliases=("St-Malo",),
    hashtags=("SaintMalo",),
    landmarks=("plage du Sillon", "fort National"),
    timezone="Europe/Paris",
    labels={"team": "comms"},
)
DAY = datetime(2026, 7, 14, 6, 0, tzinfo=UTC)
PREVIOUS_DAY = datetime(2026, 7, 13, 6, 0, tzinfo=UTC)


def scored(
    mention_id: str,
    *,
    text: str,
    published_at: datetime,
    sentiment: Sentiment = "neutral",
    source: SourceKind = "mastodon",
    language: str = "fr",
    handle: str | None = None,
    followers: int | None = None,
    likes: int = 0,
    pseudonymised: bool = False,
    territory_id: str = "saint-malo",
) -> ScoredMention:
    probabilities = {"negative": 0.1, "neutral": 0.1, "positive": 0.1, sentiment: 0.8}
    return ScoredMention(
        mention_id=mention_id,
        native_id=mention_id,
        source=Source(kind=source, instance="piaille.fr"),
        url=f"https://piaille.fr/{handle or 'x'}/{mention_id}",
        text=text,
        author=Author(
            id=handle,
            handle=f"@{handle}" if handle else None,
            display_name=handle.title() if handle else None,
            followers=followers,
            pseudonymised=pseudonymised,
        ),
        engagement=Engagement(likes=likes),
        published_at=published_at,
        collected_at=published_at + timedelta(seconds=5),
        territory_id=territory_id,
        detected_language=language,
        sentiment=sentiment,
        scores=SentimentScores(**probabilities),
        model="test",
    )


def previous_day() -> list[ScoredMention]:
    mentions = []
    for i in range(30):
        sentiment: Sentiment = "negative" if i < 6 else "neutral" if i < 18 else "positive"
        mentions.append(
            scored(
                f"prev-{i}",
                text="Balade tranquille",
                published_at=PREVIOUS_DAY + timedelta(minutes=20 * i),
                sentiment=sentiment,
                source="mastodon" if i < 18 else "rss",
                language="en" if i % 5 == 0 else "fr",
                handle=f"walker{i}",
                followers=10,
            )
        )
    return mentions


AUTHORS = {
    10: "alice",
    11: "alice",
    12: "alice",
    13: "bob",
    14: "bob",
    15: "carol",
    16: "carol",
    3: "carol",
    4: "carol",
    0: "dave",
    1: "dave",
    2: "dave",
}
FOLLOWERS = {"alice": 5000, "bob": 200, "carol": 3000, "dave": 800}


def the_day() -> list[ScoredMention]:
    mentions = []
    for i in range(20):
        words = ["Balade tranquille"]
        if i <= 6:
            words.append("pollution")
        if i <= 4:
            words.append("#plagefermée")
        if 5 <= i <= 8:
            words.append("plage du Sillon")
        if i == 19:
            words.append("merci @alice !")
        handle = AUTHORS.get(i, f"user{i}")
        sentiment: Sentiment = "negative" if i <= 5 else "neutral" if i <= 9 else "positive"
        mentions.append(
            scored(
                f"day-{i}",
                text=" ".join(words),
                published_at=DAY + timedelta(minutes=30 * i),
                sentiment=sentiment,
                source="bluesky" if 5 <= i <= 9 else "rss" if i >= 17 else "mastodon",
                language="en" if i % 5 == 4 else "fr",
                handle=handle,
                followers=FOLLOWERS.get(handle, 50),
                likes=i,
            )
        )
    return mentions


def alert(
    incident: str, sequence: int, transition: str, at: datetime, *, opened_at: datetime, severity: str = "warning"
) -> AlertEvent:
    return AlertEvent.model_validate(
        {
            "event_id": f"{incident}:{sequence}",
            "incident_id": incident,
            "sequence": sequence,
            "transition": transition,
            "severity": severity,
            "territory_id": "saint-malo",
            "territory_name": "Saint-Malo",
            "opened_at": opened_at,
            "event_time": at,
            "resolved_at": at if transition == "resolved" else None,
            "significance": Significance(
                observed=10, expected=2, ratio=5, score=4, negative_share=0.6, baseline_share=0.2
            ),
            "peak_severity": severity,
            "evidence": {"terms": [{"term": "pollution", "count": 7, "lift": 3.0}]},
        }
    )


@pytest.fixture
def stream() -> list[ScoredMention]:
    return previous_day() + the_day()


@pytest.fixture
def the_day_mentions() -> list[ScoredMention]:
    return the_day()


@pytest.fixture
def territory() -> Territory:
    return SAINT_MALO


class StreamKit:
    """The builders, for tests that need their own mentions and alerts."""

    scored = staticmethod(scored)
    alert = staticmethod(alert)
    previous_day = staticmethod(previous_day)
    the_day = staticmethod(the_day)
    territory = SAINT_MALO
    day = DAY


@pytest.fixture
def kit() -> type[StreamKit]:
    return StreamKit
