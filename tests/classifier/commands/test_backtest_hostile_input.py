"""``vigie backtest`` (the :class:`Backtest` driver, the service's detection path) on the demo scenario with hostile
records mixed in: one record must not change what the other records alert.

The demo day is scored once (module fixture); each test replays it with a few records added.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import vigie.demo
from vigie.classifier.commands.backtest import _Reader, default_models
from vigie.classifier.replay import Backtest
from vigie.classifier.sentiment.protocol import LanguageIdentifier, Prediction, SentimentModel
from vigie.collector.matching.matcher import TerritoryMatcher
from vigie.demo.scenario import CRISIS_START, DAY, generate
from vigie.runtime.partitioning import partition_for
from vigie.schemas import AlertEvent, Author, RawMention, Source, TerritoryConfig, load_territories

#: Collection delay of the demo's mentions, as if the collector had seen them live.
COLLECTION_DELAY = timedelta(seconds=20)
FAR_FUTURE = datetime(2099, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def territories() -> TerritoryConfig:
    return load_territories(Path(vigie.demo.__file__).parent / "data" / "territories.yaml")


@pytest.fixture(scope="module")
def models() -> tuple[SentimentModel, LanguageIdentifier]:
    return default_models()


@pytest.fixture(scope="module")
def demo_day(territories: TerritoryConfig) -> list[RawMention]:
    """The demo's posts as the collector would emit them live (matched territories, collected 20 s later)."""
    matcher = TerritoryMatcher(territories)
    mentions = []
    for post in generate():
        text = f"{post.title}\n{post.text}" if post.title else post.text
        for match in matcher.match(text, author_handle=post.author_handle).matches:
            mentions.append(
                RawMention(
                    mention_id=f"{post.kind}:{post.instance}:{post.native_id}",
                    native_id=post.native_id,
                    source=Source(kind=post.kind, instance=post.instance),
                    title=post.title,
                    text=post.text,
                    language=post.language,
                    author=Author(handle=post.author_handle, followers=post.followers),
                    published_at=post.published_at,
                    collected_at=post.published_at + COLLECTION_DELAY,
                    territory_id=match.territory_id,
                )
            )
    return mentions


def alerts(
    territories: TerritoryConfig, models: tuple[SentimentModel, LanguageIdentifier], mentions: Sequence[RawMention]
) -> list[AlertEvent]:
    return list(Backtest(territories, *models).run(mentions))


def signature(events: Sequence[AlertEvent]) -> list[tuple[str, str, str, datetime]]:
    return [(e.event_id, e.transition, e.severity, e.event_time) for e in events]


@pytest.fixture(scope="module")
def reference(
    territories: TerritoryConfig, models: tuple[SentimentModel, LanguageIdentifier], demo_day: list[RawMention]
) -> list[AlertEvent]:
    events = alerts(territories, models, demo_day)
    # The scenario's crisis: raised, escalated, updated, resolved (8 events with the default model).
    assert [e.territory_id for e in events] == ["saint-malo"] * len(events)
    assert events[0].transition == "raised" and events[-1].transition == "resolved"
    return events


def hostile(
    territory_id: str, published_at: datetime, collected_at: datetime, n: int, *, validate: bool = True
) -> RawMention:
    """A hostile mention; ``validate=False`` builds one the contract would refuse, as a record that bypassed it."""
    fields = {
        "mention_id": f"mastodon:hostile.example:{n}",
        "native_id": str(n),
        "source": Source(kind="mastodon", instance="hostile.example"),
        "text": f"{territory_id}: honte, scandale, c'est dégoûtant",
        "author": Author(handle="hostile", followers=10),
        "published_at": published_at,
        "collected_at": collected_at,
        "territory_id": territory_id,
    }
    if validate:
        return RawMention(**fields)  # type: ignore[arg-type]
    plausible = datetime(2026, 1, 1, tzinfo=UTC)
    base = RawMention(**{**fields, "published_at": plausible, "collected_at": plausible})  # type: ignore[arg-type]
    return base.model_copy(update={"published_at": published_at, "collected_at": collected_at})


def test_one_mention_dated_2099_before_the_day_changes_no_alert(
    territories: TerritoryConfig,
    models: tuple[SentimentModel, LanguageIdentifier],
    demo_day: list[RawMention],
    reference: list[AlertEvent],
) -> None:
    first = demo_day[0]
    poisoned = [hostile("saint-malo", FAR_FUTURE, first.collected_at, 1), *demo_day]
    backtest = Backtest(territories, *models)
    events = list(backtest.run(poisoned))
    # The clamped mention counts (as one posted when it was collected): it teaches the baseline share that the
    # count tests use, so a later step may move by seconds; the incidents, transitions and severities may not.
    assert [s[:3] for s in signature(events)] == [s[:3] for s in signature(reference)]
    assert all(abs(e.event_time - r.event_time) <= timedelta(minutes=1) for e, r in zip(events, reference, strict=True))
    assert backtest.totals.clamped == 1


def test_a_tours_mention_dated_2099_during_the_crisis_does_not_resolve_saint_malo(
    territories: TerritoryConfig,
    models: tuple[SentimentModel, LanguageIdentifier],
    demo_day: list[RawMention],
    reference: list[AlertEvent],
) -> None:
    assert partition_for("tours", 3) == partition_for("saint-malo", 3)  # the same watermark
    raised_at = reference[0].event_time
    index = next(i for i, m in enumerate(demo_day) if m.published_at > raised_at + timedelta(minutes=10))
    at = demo_day[index].collected_at
    poisoned = [*demo_day[:index], hostile("tours", FAR_FUTURE, at, 2), *demo_day[index:]]
    events = alerts(territories, models, poisoned)
    assert signature(events) == signature(reference)


def test_mentions_dated_at_the_ends_of_the_calendar_are_late_or_clamped(
    territories: TerritoryConfig,
    models: tuple[SentimentModel, LanguageIdentifier],
    demo_day: list[RawMention],
    reference: list[AlertEvent],
) -> None:
    # The contract refuses instants outside 1970-9000 at decoding (tests/schemas/test_codec_hostile.py); the
    # driver still bounds them, for a record that bypassed the contract (defence in depth).
    at = CRISIS_START.astimezone(UTC)
    year_one = datetime.fromisoformat("0001-01-01T00:00:00+14:00")
    last_second = datetime.fromisoformat("9999-12-31T23:59:59-14:00")
    with pytest.raises(ValueError, match="published_at"):
        hostile("saint-malo", year_one, at, 3)
    extremes = [
        hostile("saint-malo", year_one, at, 3, validate=False),
        hostile("tours", last_second, at, 4, validate=False),
        # Both dates absurd: not counted at all.
        hostile("tours", last_second, datetime(9999, 12, 31, tzinfo=UTC), 5, validate=False),
    ]
    index = next(i for i, m in enumerate(demo_day) if m.published_at >= DAY + timedelta(hours=9))
    backtest = Backtest(territories, *models)
    events = list(backtest.run([*demo_day[:index], *extremes, *demo_day[index:]]))
    assert signature(events) == signature(reference)
    assert (backtest.totals.too_old, backtest.totals.clamped, backtest.totals.implausible) == (1, 1, 1)


def test_every_mention_twice_alerts_exactly_like_every_mention_once(
    territories: TerritoryConfig,
    models: tuple[SentimentModel, LanguageIdentifier],
    demo_day: list[RawMention],
    reference: list[AlertEvent],
) -> None:
    # Each record delivered twice in a row (a collector re-sending its batches)...
    twice = [mention for mention in demo_day for _ in range(2)]
    backtest = Backtest(territories, *models)
    assert signature(backtest.run(twice)) == signature(reference)
    assert backtest.totals.duplicates == len(demo_day)
    # ... or each batch of 100 twice, the second copy after the first batch's successor.
    batches = [demo_day[i : i + 100] for i in range(0, len(demo_day), 100)]
    interleaved = [m for i, batch in enumerate(batches) for m in (*batch, *(batches[i - 1] if i else ()))]
    assert signature(alerts(territories, models, interleaved)) == signature(reference)


def test_lines_that_break_the_parser_are_invalid_lines_not_a_crash(demo_day: list[RawMention]) -> None:
    good = demo_day[0].model_dump_json()
    huge = good.replace('"followers":', '"followers":' + "9" * 5000 + ',"x":', 1)
    stream = io.StringIO("\n".join([good, "[" * 2000, huge, '{"a":' * 2000, "\udcff", good]) + "\n")
    reader = _Reader(stream)
    assert [m.mention_id for m in reader] == [demo_day[0].mention_id] * 2
    assert reader.invalid == 4


def test_a_mention_the_model_fails_on_is_left_out_not_the_batch(
    territories: TerritoryConfig,
    models: tuple[SentimentModel, LanguageIdentifier],
    demo_day: list[RawMention],
    reference: list[AlertEvent],
) -> None:
    model, identifier = models
    poisoned = "mastodon:hostile.example:poison"

    class Fragile:
        name = model.name

        def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
            if any("POISON" in text for text in texts):
                raise RecursionError("maximum recursion depth exceeded")
            return model.predict(texts, languages)

    poison = hostile("saint-malo", demo_day[5].published_at, demo_day[5].collected_at, 0).model_copy(
        update={"mention_id": poisoned, "text": "POISON"}
    )
    backtest = Backtest(territories, Fragile(), identifier)
    assert signature(backtest.run([*demo_day[:5], poison, *demo_day[5:]])) == signature(reference)
    assert backtest.totals.unscorable == 1
