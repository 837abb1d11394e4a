"""Star ratings in scoring: one- and two-star reviews are negative whatever their text, so that a surge of them
is a negative surge for detection (through :func:`score_mentions` and the backtest, the service's code path)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vigie.classifier.replay import Backtest
from vigie.classifier.scoring import rated, score_mentions
from vigie.classifier.sentiment.protocol import LanguageGuess, Prediction
from vigie.schemas import RawMention, TerritoryConfig

START = datetime(2026, 3, 2, tzinfo=UTC)
TERRITORIES: dict[str, Any] = {
    "version": 1,
    "territories": [
        {"id": "saint-malo", "name": "Saint-Malo", "size_class": "town"},
        {"id": "rennes", "name": "Rennes", "size_class": "city"},
    ],
}


class TextOnlyModel:
    """Reads only words: 'honte' is negative, 'super' positive, anything else (a short or empty review) neutral."""

    name = "text-only-test-1"

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        out = []
        for text in texts:
            if "honte" in text:
                out.append(Prediction("negative", 0.8, 0.1, 0.1))
            elif "super" in text:
                out.append(Prediction("positive", 0.1, 0.1, 0.8))
            else:
                out.append(Prediction("neutral", 0.1, 0.8, 0.1))
        return out


class French:
    def identify(self, texts: Sequence[str]) -> list[LanguageGuess]:
        return [LanguageGuess("fr", 0.9) for _ in texts]


def review(territory: str, at: datetime, text: str, n: int, rating: float | None) -> dict[str, Any]:
    kind = "google_reviews" if rating is not None else "mastodon"
    return {
        "mention_id": f"{kind}:test:{territory}-{n}",
        "native_id": str(n),
        "source": {"kind": kind, "instance": "test"},
        "text": text,
        "author": {"handle": f"user{n}", "followers": 10},
        "published_at": at.isoformat(),
        "collected_at": (at + timedelta(seconds=3)).isoformat(),
        "territory_id": territory,
        "rating": rating,
    }


NEUTRAL = Prediction("neutral", 0.1, 0.8, 0.1)


@pytest.mark.parametrize(
    ("rating", "label"),
    [(1.0, "negative"), (2.0, "negative"), (2.4, "negative"), (3.0, "neutral"), (4.0, "positive"), (5.0, "positive")],
)
def test_a_rating_decides_the_label_except_three_stars(rating: float, label: str) -> None:
    result = rated(NEUTRAL, rating)
    assert result.label == label
    assert abs(result.negative + result.neutral + result.positive - 1.0) < 1e-9


def test_no_rating_and_three_stars_keep_the_text_reading() -> None:
    angry = Prediction("negative", 0.8, 0.1, 0.1)
    assert rated(angry, None) is angry and rated(angry, 3.0) is angry
    assert rated(angry, 5.0).label == "positive"  # the reviewer's five stars outweigh an ironic word


def test_score_mentions_reads_the_rating_of_short_and_empty_reviews() -> None:
    rows = [
        review("saint-malo", START, "", 1, 1.0),  # a rating-only review
        review("saint-malo", START, "bof", 2, 2.0),
        review("saint-malo", START, "honte", 3, 3.0),
        review("saint-malo", START, "", 4, 5.0),
        review("saint-malo", START, "bof", 5, None),  # a post: the text alone
    ]
    scored = score_mentions(TextOnlyModel(), French(), [RawMention.model_validate(r) for r in rows])
    assert [m.sentiment for m in scored] == ["negative", "negative", "negative", "positive", "neutral"]
    assert [m.rating for m in scored] == [1.0, 2.0, 3.0, 5.0, None]
    assert scored[0].scores.negative == 0.9


def rows_with_a_surge_of_one_star_reviews(rating: float | None) -> list[dict[str, Any]]:
    """Two quiet days of reviews on two territories, then forty terse low-rated reviews of a Saint-Malo beach."""
    rng = random.Random(4)
    rows = []
    for n in range(600):
        territory = rng.choice(["saint-malo", "rennes"])
        at = START + timedelta(seconds=rng.randint(0, 2 * 86400))
        rows.append(review(territory, at, rng.choice(["super plage", "super musée", ""]), n, 5.0))
    onset = START + timedelta(days=2, hours=1)
    for i in range(40):
        rows.append(
            review("saint-malo", onset + timedelta(seconds=40 * i), rng.choice(["", "nul", "bof"]), 10_000 + i, rating)
        )
    return sorted(rows, key=lambda r: r["published_at"])


def test_a_surge_of_one_and_two_star_reviews_raises_an_incident_in_the_backtest() -> None:
    config = TerritoryConfig.model_validate(TERRITORIES)

    def events(rating: float | None) -> list[Any]:
        mentions = [RawMention.model_validate(row) for row in rows_with_a_surge_of_one_star_reviews(rating)]
        return list(Backtest(config, TextOnlyModel(), French(), batch_size=64).run(mentions))

    raised = [e for e in events(1.0) if e.territory_id == "saint-malo" and e.transition == "raised"]
    assert raised, "forty one-star reviews in half an hour must raise an incident"
    # the same terse texts without ratings read as neutral: no negative surge, no incident
    assert not [e for e in events(None) if e.transition == "raised"]
