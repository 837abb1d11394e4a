"""Digest figures against hand-computed expectations (see conftest.py for the planted stream)."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from vigie.digest import DigestAccumulator, DigestOptions
from vigie.digest.themes import ThemeExtractor
from vigie.schemas import DigestEvent, ScoredMention, SentimentScores, Territory


def digest_of_the_day(stream: list[ScoredMention], territory: Territory, **options: object) -> DigestEvent:
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",), **options))  # type: ignore[arg-type]
    for mention in stream:
        assert accumulator.observe(mention) == "counted"
    digests = accumulator.flush()
    assert [d.digest_id for d in digests] == ["saint-malo:day:2026-07-13", "saint-malo:day:2026-07-14"]
    return digests[1]


def test_period_is_the_local_day(stream: list[ScoredMention], territory: Territory) -> None:
    digest = digest_of_the_day(stream, territory)
    assert digest.period == "day"
    assert digest.period_date == date(2026, 7, 14)
    assert digest.period_start == datetime(2026, 7, 13, 22, tzinfo=UTC)
    assert digest.period_end == digest.event_time == datetime(2026, 7, 14, 22, tzinfo=UTC)
    assert digest.labels == {"team": "comms"}


def test_volume_and_shares_by_source_and_language_move_against_the_previous_day(
    stream: list[ScoredMention], territory: Territory
) -> None:
    digest = digest_of_the_day(stream, territory)
    assert (digest.volume.total, digest.volume.previous_total) == (20, 30)
    assert digest.volume.change == pytest.approx(-1 / 3)
    sources = {row.key: row for row in digest.sources}
    assert [row.key for row in digest.sources] == ["mastodon", "bluesky", "rss"]
    assert (sources["mastodon"].count, sources["mastodon"].share) == (12, pytest.approx(0.6))
    assert (sources["mastodon"].previous_count, sources["mastodon"].previous_share) == (18, pytest.approx(0.6))
    assert sources["mastodon"].change == pytest.approx(-1 / 3)
    assert (sources["bluesky"].count, sources["bluesky"].previous_count, sources["bluesky"].change) == (5, 0, None)
    assert (sources["rss"].share, sources["rss"].previous_share) == (pytest.approx(0.15), pytest.approx(0.4))
    assert sources["rss"].change == pytest.approx(-0.75)
    languages = {row.key: (row.count, row.previous_count) for row in digest.languages}
    assert languages == {"fr": (16, 24), "en": (4, 6)}


def test_sentiment_mix_and_timeline(stream: list[ScoredMention], territory: Territory) -> None:
    digest = digest_of_the_day(stream, territory)
    mix = digest.sentiment
    assert (mix.negative, mix.neutral, mix.positive) == (6, 4, 10)
    assert mix.net == pytest.approx(0.2)
    previous = digest.volume.previous_sentiment
    assert previous is not None and (previous.negative, previous.positive, previous.net) == (6, 12, 0.2)
    assert len(digest.timeline) == 24
    # 06:00Z is 08:00 local, the ninth hour of the local day: i = 0 and 1 (both negative).
    eight = digest.timeline[8]
    assert eight.start == datetime(2026, 7, 14, 6, tzinfo=UTC)
    assert (eight.negative, eight.neutral, eight.positive, eight.net) == (2, 0, 0, -1.0)
    # i = 18 and 19 at 15:00Z and 15:30Z (17:00 local): both positive.
    assert (digest.timeline[17].positive, digest.timeline[17].net) == (2, 1.0)
    assert sum(p.negative + p.neutral + p.positive for p in digest.timeline) == 20


def test_planted_themes_lead_by_keyness_and_new_terms_have_no_ratio(
    stream: list[ScoredMention], territory: Territory
) -> None:
    digest = digest_of_the_day(stream, territory)
    themes = {(t.kind, t.term): t for t in digest.themes}
    assert digest.themes_basis == "baseline"
    assert themes[("term", "pollution")].count == 7
    assert themes[("hashtag", "plagefermée")].count == 5
    assert themes[("landmark", "plage du Sillon")].count == 4
    # The baseline day never had them: new, no ratio (not a made-up "2,5 × la normale").
    for key in [("term", "pollution"), ("hashtag", "plagefermée"), ("landmark", "plage du Sillon")]:
        assert themes[key].lift is None
    assert [(t.kind, t.term) for t in digest.themes] == [
        ("term", "pollution"),
        ("hashtag", "plagefermée"),
        ("landmark", "plage du Sillon"),
    ]
    # Words in every mention of both days are at their baseline share: not themes. Nor the territory's names.
    assert ("term", "balade") not in themes and ("term", "tranquille") not in themes
    assert not any(t.term.casefold() in {"saint", "malo", "saintmalo"} for t in digest.themes)


def test_first_period_without_baseline_lists_frequent_terms_without_a_ratio(
    stream: list[ScoredMention], territory: Territory
) -> None:
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",)))
    for mention in stream:
        accumulator.observe(mention)
    first = accumulator.flush()[0]
    assert first.themes_basis == "frequency"
    assert [(t.term, t.count, t.lift) for t in first.themes] == [("balade", 30, None), ("tranquille", 30, None)]
    assert first.volume.previous_total is None and first.sources[0].change is None


def test_a_themes_lift_is_the_real_ratio_of_shares(kit: type, territory: Territory) -> None:
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",), theme_min_count=1))
    day1 = [kit.scored(f"a{i}", text="marée" if i < 2 else "vent", published_at=kit.day) for i in range(10)]
    day2 = [kit.scored(f"b{i}", text="marée", published_at=kit.day.replace(day=15)) for i in range(8)]
    for mention in day1 + day2:
        accumulator.observe(mention)
    themes = accumulator.flush()[1].themes
    # 8 of 8 mentions against 2 of 10: five times its baseline share.
    assert [(t.term, t.count, t.lift) for t in themes] == [("marée", 8, 5.0)]


def test_a_term_not_above_its_baseline_is_not_a_theme(kit: type, territory: Territory) -> None:
    """At its baseline share, below it, or above it by chance (not significant): never a theme."""
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",), theme_min_count=1))
    day1 = [kit.scored(f"a{i}", text="marée vent" if i < 10 else "marée", published_at=kit.day) for i in range(20)]
    # marée: 20/20 then 10/10 (same share); vent: 10/20 then 2/10 (fell); houle: 0 then 1/10 (one post).
    day2 = [
        kit.scored(
            f"b{i}",
            text="marée" + (" vent" if i < 2 else "") + (" houle" if i == 5 else ""),
            published_at=kit.day.replace(day=15),
        )
        for i in range(10)
    ]
    for mention in day1 + day2:
        accumulator.observe(mention)
    digest = accumulator.flush()[1]
    assert digest.themes_basis == "baseline"
    assert digest.themes == ()


def test_french_and_english_stop_words_are_never_themes(kit: type, territory: Territory) -> None:
    texts = [
        "Mes enfants ne peuvent plus aller à la plage, aucune information, jusqu'à quand ?",
        "Nobody tells tourists anything, they really should, it's such a shame about the fioul",
    ]
    accumulator = DigestAccumulator([territory], DigestOptions(periods=("day",)))
    for i in range(12):
        accumulator.observe(kit.scored(f"m{i}", text=texts[i % 2], published_at=kit.day))
    terms = {t.term for t in accumulator.flush()[0].themes}
    assert {"enfants", "plage", "information", "fioul", "tourists", "shame"} <= terms
    stop_words = {
        "aller",
        "aucune",
        "peuvent",
        "plus",
        "jusqu'à",
        "quand",
        "nobody",
        "tells",
        "really",
        "should",
        "such",
    }
    assert not terms & stop_words


def test_top_posts_one_per_story_by_confidence_and_reach(stream: list[ScoredMention], territory: Territory) -> None:
    """Nine positive posts of the day read "Balade tranquille": one top post for them (the one the most
    people saw: alice's 5,000 followers), with its copies; then the one with other words."""
    digest = digest_of_the_day(stream, territory)
    assert [(p.mention_id, p.copies) for p in digest.top_positive] == [("day-12", 10), ("day-19", 1)]
    assert [(p.mention_id, p.copies) for p in digest.top_negative] == [("day-4", 5), ("day-5", 2)]
    assert digest.top_positive[0].confidence == 0.8 and digest.top_positive[0].author == "@alice"
    assert digest.top_positive[0].url == "https://piaille.fr/alice/day-12"


def test_copies_of_one_text_are_one_top_post_however_they_differ_in_links_handles_and_case(kit: type) -> None:
    """The same text posted four times (other links, handles, case) was four of the five top posts."""
    text = "Lumière incroyable sur la Promenade des Anglais ce matin ☀️ #Nice06"
    copies = [f"{text} https://example.org/{i}" if i % 2 else f"@user{i} {text.upper()}" for i in range(4)]
    mentions = [
        kit.scored(f"c{i}", text=copy, published_at=kit.day, sentiment="positive", handle=f"u{i}", likes=50 + i)
        for i, copy in enumerate(copies)
    ] + [
        kit.scored(
            f"o{i}", text=f"Le Vieux-Nice, toujours un bonheur {i}", published_at=kit.day, sentiment="positive", likes=i
        )
        for i in range(4)
    ]
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",)))
    for mention in mentions:
        accumulator.observe(mention)
    top = accumulator.flush()[0].top_positive
    assert [(p.mention_id, p.copies) for p in top] == [("c3", 4), ("o3", 1), ("o2", 1), ("o1", 1), ("o0", 1)]


def test_a_post_the_model_is_unsure_of_is_never_a_top_post(kit: type) -> None:
    """A flight-delay complaint labelled positive at 0.42 (0.38 negative), seen by many, is not the period's
    top positive post; posts the model is sure of rank by confidence and reach."""

    def post(mention_id: str, text: str, scores: dict[str, float], followers: int, likes: int) -> ScoredMention:
        mention = kit.scored(mention_id, text=text, published_at=kit.day, sentiment="positive", followers=followers)
        return mention.model_copy(
            update={
                "scores": SentimentScores(**scores),
                "engagement": mention.engagement.model_copy(update={"likes": likes}),
            }
        )

    mentions = [
        post(
            "delay",
            "Flights to Nice airport delayed by about 20 minutes",
            {"negative": 0.38, "neutral": 0.2, "positive": 0.42},
            90000,
            400,
        ),
        post(
            "sure",
            "Nice beach in December, loving the Côte d'Azur",
            {"negative": 0.02, "neutral": 0.03, "positive": 0.95},
            800,
            12,
        ),
        post(
            "fair",
            "Le Vieux-Nice un samedi, toujours un bonheur",
            {"negative": 0.1, "neutral": 0.3, "positive": 0.6},
            800,
            12,
        ),
    ]
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",)))
    for mention in mentions:
        accumulator.observe(mention)
    digest = accumulator.flush()[0]
    assert [(p.mention_id, p.confidence) for p in digest.top_positive] == [("sure", 0.95), ("fair", 0.6)]
    assert digest.sentiment.positive == 3  # still counted: only the showcase leaves it out


def test_the_period_stories_flag_a_copy_paste_campaign_with_its_authors(kit: type) -> None:
    campaign = "POLLUTION DU SILLON : la mairie doit rendre des comptes ! Partagez ! #plagefermée"
    mentions = [
        kit.scored(
            f"c{i}",
            text=f"{campaign} https://x.example/{i}",
            published_at=kit.day + timedelta(minutes=i),
            sentiment="negative",
            handle=f"acct{i}",
            followers=10 + i,
        )
        for i in range(15)
    ] + [
        kit.scored(f"b{i}", text="Des oiseaux mazoutés sur la plage", published_at=kit.day, handle="ana", followers=3)
        for i in range(3)
    ]
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",)))
    for mention in mentions:
        accumulator.observe(mention)
    stories = accumulator.flush()[0].stories
    assert [(s.size, s.authors, s.campaign, s.sentiment) for s in stories] == [
        (15, 15, True, "negative"),
        (3, 1, False, "neutral"),
    ]
    assert stories[0].author == "@acct14" and stories[0].reach == 24  # the most reached copy
    assert stories[0].first_published_at == kit.day


def test_planted_ambassadors_and_detractors(stream: list[ScoredMention], territory: Territory) -> None:
    digest = digest_of_the_day(stream, territory)
    assert [(a.author, a.positive, a.negative, a.reach) for a in digest.ambassadors] == [("@alice", 3, 0, 5000)]
    alice = digest.ambassadors[0]
    assert (alice.display_name, alice.mentions, alice.engagement, alice.sources) == (
        "Alice",
        3,
        10 + 11 + 12,
        ("mastodon",),
    )
    assert [(d.author, d.negative) for d in digest.detractors] == [("@dave", 3)]
    assert not digest.pseudonymised


def test_incidents_with_their_outcome_as_of_the_period_end(stream: list[ScoredMention], kit: type) -> None:
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",)))
    morning = datetime(2026, 7, 14, 9, tzinfo=UTC)
    evening = datetime(2026, 7, 14, 20, tzinfo=UTC)
    alerts = [
        kit.alert("sm:1", 0, "raised", morning, opened_at=morning),
        kit.alert("sm:1", 1, "escalated", morning.replace(hour=10), opened_at=morning, severity="major"),
        kit.alert("sm:1", 2, "resolved", morning.replace(hour=12), opened_at=morning, severity="major"),
        kit.alert("sm:2", 0, "raised", evening, opened_at=evening),
        kit.alert("sm:2", 1, "resolved", datetime(2026, 7, 15, 3, tzinfo=UTC), opened_at=evening),
    ]
    for event in reversed(alerts):  # arrival order does not matter: event time does
        assert accumulator.observe_alert(event)
    assert not accumulator.observe_alert(alerts[0])
    for mention in stream:
        accumulator.observe(mention)
    digest = accumulator.flush()[1]
    outcomes = [(i.incident_id, i.outcome, i.severity, i.last_transition, i.events) for i in digest.incidents]
    assert outcomes == [("sm:1", "resolved", "major", "resolved", 3), ("sm:2", "ongoing", "warning", "raised", 1)]
    assert digest.incidents[0].resolved_at == morning.replace(hour=12)
    assert digest.incidents[0].top_terms == ("pollution",)


def test_many_languages_fold_into_other() -> None:
    from vigie.digest.aggregate import PeriodSummary
    from vigie.digest.build import shares

    counts = {f"l{i:02d}": 40 - i for i in range(40)}
    previous = PeriodSummary("2026-07-13", 10, {}, {"l00": 10}, {})
    rows = shares(counts, sum(counts.values()), previous, "by_language", limit=32)
    assert len(rows) == 32 and rows[-1].key == "other"
    assert rows[-1].count == sum(40 - i for i in range(31, 40))
    assert (rows[0].key, rows[0].previous_count, rows[0].change) == ("l00", 10, 3.0)
    assert sum(row.count for row in rows) == sum(counts.values())


def test_resolved_incidents_are_forgotten_after_a_week_of_event_time(kit: type) -> None:
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",)))
    opened = datetime(2026, 7, 14, 9, tzinfo=UTC)
    accumulator.observe_alert(kit.alert("sm:1", 0, "raised", opened, opened_at=opened))
    accumulator.observe_alert(kit.alert("sm:1", 1, "resolved", opened.replace(hour=12), opened_at=opened))
    accumulator.observe_alert(kit.alert("sm:2", 0, "raised", opened, opened_at=opened))
    accumulator.close_periods(datetime(2026, 7, 22, 11, tzinfo=UTC))
    assert set(accumulator.incidents.incidents) == {"sm:1", "sm:2"}
    accumulator.close_periods(datetime(2026, 7, 22, 13, tzinfo=UTC))
    assert set(accumulator.incidents.incidents) == {"sm:2"}  # still open: kept


@pytest.mark.parametrize(
    "bad", [{"top_posts": 11}, {"max_themes": 31}, {"max_authors": 21}, {"periods": ()}, {"baseline_decay": 0.0}]
)
def test_options_that_would_break_the_contract_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DigestOptions(**bad)  # type: ignore[arg-type]


def test_top_posts_are_the_best_ranked_offers_with_ties_and_a_restore_midway(kit: type) -> None:
    """Highest confidence × ln(e + engagement + reach), then most engaged, widest reach, earliest, then by id,
    whatever the arrival order; a state round trip in the middle of the stream changes nothing."""
    rng = random.Random(3)
    offered = [
        kit.scored(
            f"m{index:03d}",
            text=f"post {index}",
            published_at=kit.day + timedelta(minutes=rng.randrange(30)),
            sentiment=rng.choice(["negative", "positive"]),
            handle=f"user{index % 7}",
            followers=rng.choice([None, 10, 500]),
            likes=rng.randrange(4),
        )
        for index in range(120)
    ]
    rng.shuffle(offered)
    options = DigestOptions(periods=("day",), top_posts=5)
    accumulator = DigestAccumulator([kit.territory], options)
    for index, mention in enumerate(offered):
        if index == 60:
            accumulator = DigestAccumulator([kit.territory], options, state=accumulator.to_state())
        assert accumulator.observe(mention) == "counted"
    digest = accumulator.flush()[0]

    def best(sentiment: str) -> list[str]:
        ranked = sorted(
            (m for m in offered if m.sentiment == sentiment),
            key=lambda m: (
                -0.8 * math.log(math.e + m.engagement.likes + m.reach),
                -m.engagement.likes,
                -m.reach,
                m.published_at,
                m.mention_id,
            ),
        )
        return [m.mention_id for m in ranked[:5]]

    assert [post.mention_id for post in digest.top_negative] == best("negative")
    assert [post.mention_id for post in digest.top_positive] == best("positive")


def test_author_figures_beyond_64_bits_are_kept_exactly_also_through_a_restore(kit: type) -> None:
    """Follower and like counts are unbounded integers: an author's reach and engagement stay exact when they
    no longer fit the 64-bit columns of the period, before and after a state round trip."""
    huge = 10**20
    options = DigestOptions(periods=("day",), ambassador_min_positive=2, ambassador_min_reach=1)
    accumulator = DigestAccumulator([kit.territory], options)
    mentions = [
        kit.scored("a1", text="post", published_at=kit.day, sentiment="positive", handle="zed", followers=5),
        kit.scored("b1", text="post", published_at=kit.day, sentiment="positive", handle="yan", followers=7),
        kit.scored("a2", text="post", published_at=kit.day, sentiment="positive", handle="zed", likes=huge),
        kit.scored("a3", text="post", published_at=kit.day, sentiment="positive", handle="zed", followers=huge),
        kit.scored("b2", text="post", published_at=kit.day, sentiment="positive", handle="yan", followers=9),
    ]
    for index, mention in enumerate(mentions):
        if index == 3:
            state = json.loads(json.dumps(accumulator.to_state()))
            accumulator = DigestAccumulator([kit.territory], options, state=state)
        assert accumulator.observe(mention) == "counted"
    digest = accumulator.flush()[0]
    assert [(a.author, a.mentions, a.reach, a.engagement) for a in digest.ambassadors] == [
        ("@zed", 3, huge, huge),
        ("@yan", 2, 9, 0),
    ]
    assert digest.top_positive[0].mention_id == "a2" and digest.top_positive[0].engagement == huge


def test_no_top_posts_when_none_are_asked_for(kit: type) -> None:
    accumulator = DigestAccumulator([kit.territory], DigestOptions(periods=("day",), top_posts=0))
    for sentiment in ("positive", "negative", "neutral"):
        mention = kit.scored(sentiment, text="post", published_at=kit.day, sentiment=sentiment, handle="zed")
        assert accumulator.observe(mention) == "counted"
    digest = accumulator.flush()[0]
    assert digest.top_positive == () and digest.top_negative == () and digest.volume.total == 3


def test_theme_words_are_letter_runs_joined_by_single_apostrophes_or_hyphens(kit: type) -> None:
    """Words of at least two letters (a one-letter ligature is not a word, though it folds to three), elisions
    dropped, a separator kept only between two letters, the territory's names and landmarks left out."""
    text = (
        "ﬃ x ab x-y l'eau L'Été qu'il -'b ab--cd aujourd'hui pont-neuf- ’tis co’op Ça_va 3rd émeute! "
        "Plage du Sillon, saint-malo malo"
    )
    assert sorted(ThemeExtractor.for_territory(kit.territory).keys(text)) == [
        "landmark:plage du Sillon",
        "term:co’op",
        "term:eau",
        "term:l'été",
        "term:malo",
        "term:pont-neuf",
        "term:tis",
        "term:x-y",
        "term:émeute",
    ]
