"""Scenario generators for the detection core: synthetic, seeded streams of scored mentions.

Test modules import it as ``from tests.support import detection_scenarios as sc``."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from vigie.classifier.detection import DetectionEngine, DetectorSettings, PartitionDriver
from vigie.schemas import AlertEvent, ScoredMention, Territory, TerritoryConfig

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday

_NEGATIVE_WORDS = ("scandale", "pollution", "fermeture", "honte", "danger", "colère", "accident", "grève")
_NEUTRAL_WORDS = ("marché", "mairie", "plage", "musée", "conseil", "quartier", "concert", "tram")


def territory(
    territory_id: str = "saint-malo",
    size_class: str = "town",
    events: Iterable[dict[str, Any]] = (),
    timezone: str = "Europe/Paris",
) -> Territory:
    return Territory.model_validate(
        {
            "id": territory_id,
            "name": territory_id.title(),
            "size_class": size_class,
            "timezone": timezone,
            "events": list(events),
            "labels": {"team": "comms"},
        }
    )


def config(*territories: Territory) -> TerritoryConfig:
    return TerritoryConfig(territories=territories or (territory(),))


_counter = iter(range(10**9))


def mention(
    territory_id: str,
    at: datetime,
    sentiment: str = "neutral",
    *,
    followers: int = 50,
    text: str | None = None,
    duplicate_of: str | None = None,
    source: str = "mastodon",
    language: str = "fr",
    number: int | None = None,
) -> ScoredMention:
    n = next(_counter) if number is None else number
    if text is None:
        words = _NEGATIVE_WORDS if sentiment == "negative" else _NEUTRAL_WORDS
        text = f"{territory_id} {words[n % len(words)]} post {n}"
    scores = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}
    if sentiment == "negative":
        scores = {"negative": 0.8, "neutral": 0.1, "positive": 0.1}
    elif sentiment == "positive":
        scores = {"negative": 0.1, "neutral": 0.1, "positive": 0.8}
    return ScoredMention.model_validate(
        {
            "mention_id": f"{source}:test:{territory_id}-{n}",
            "native_id": str(n),
            "source": {"kind": source, "instance": "test"},
            "text": text,
            "author": {"handle": f"user{n}", "followers": followers},
            "published_at": at,
            "collected_at": at + timedelta(seconds=5),
            "territory_id": territory_id,
            "duplicate_of": duplicate_of,
            "detected_language": language,
            "sentiment": sentiment,
            "scores": scores,
            "model": "keyword-test",
        }
    )


def daily_rhythm(hour: float) -> float:
    """A strong daily shape: near silence at night, a peak in the evening (mean about 1)."""
    return 0.15 + 1.7 * max(0.0, math.sin(math.pi * (hour - 6.0) / 17.0)) ** 2


def background(
    territory_id: str,
    days: float,
    per_hour: float,
    *,
    negative_share: float = 0.15,
    shape: Callable[[float], float] = lambda hour: 1.0,
    start: datetime = START,
    seed: int = 1,
) -> Iterator[ScoredMention]:
    """A Poisson stream of mentions with a daily shape, ``negative_share`` of them negative."""
    rng = random.Random(seed)
    t = 0.0
    end = days * 86400.0
    while True:
        hour = (t / 3600.0) % 24.0
        rate = per_hour * shape(hour) / 3600.0  # per second (thinning with a bounded shape)
        t += rng.expovariate(max(per_hour * 2.0, 1e-6) / 3600.0)
        if t >= end:
            return
        if rng.random() * per_hour * 2.0 / 3600.0 > rate:
            continue
        sentiment = "negative" if rng.random() < negative_share else rng.choice(("neutral", "positive"))
        yield mention(territory_id, start + timedelta(seconds=int(t)), sentiment, followers=rng.randint(0, 800))


def burst(
    territory_id: str,
    at: datetime,
    count: int,
    minutes: float,
    *,
    sentiment: str = "negative",
    followers: int = 200,
    text: str | None = None,
) -> list[ScoredMention]:
    """``count`` mentions spread evenly over ``minutes`` from ``at``."""
    step = minutes * 60.0 / max(count, 1)
    return [
        mention(territory_id, at + timedelta(seconds=int(i * step)), sentiment, followers=followers, text=text)
        for i in range(count)
    ]


def merged(*streams: Iterable[ScoredMention]) -> list[ScoredMention]:
    return sorted((m for stream in streams for m in stream), key=lambda m: (m.published_at, m.mention_id))


def run(
    mentions: Iterable[ScoredMention],
    cfg: TerritoryConfig | None = None,
    settings: DetectorSettings | None = None,
    *,
    round_trip: bool = False,
) -> list[AlertEvent]:
    """All mentions through one partition driver (states optionally JSON round-tripped at every step)."""
    engine = DetectionEngine(cfg or config(), settings)
    driver = PartitionDriver(engine, 0)
    states: dict[str, Any] = {}
    events: list[AlertEvent] = []
    for item in mentions:
        events.extend(driver.on_mention(item, states))
        if round_trip:
            states = json.loads(json.dumps(states))
    return events


def transitions(events: Iterable[AlertEvent]) -> list[tuple[str, str]]:
    return [(event.transition, event.severity) for event in events]
