"""The behaviour users expect, on generated scenarios (seeded, so each run sees the same streams)."""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

from tests.support import detection_scenarios as sc
from vigie.classifier.detection import DetectionEngine, DetectorSettings, PartitionDriver
from vigie.schemas import AlertEvent


def raised(events: list[AlertEvent]) -> list[AlertEvent]:
    return [e for e in events if e.transition == "raised"]


def test_sudden_crisis_is_raised_on_the_mention_that_makes_it_significant() -> None:
    normal = sc.background("saint-malo", 15, 6, shape=sc.daily_rhythm)
    onset = sc.START + timedelta(days=14, hours=14)
    crisis = sc.burst("saint-malo", onset, 40, 30)
    events = sc.run(sc.merged(normal, crisis))
    [first] = raised(events)
    assert onset <= first.event_time <= onset + timedelta(minutes=10)
    assert first.trigger_mention_id in {m.mention_id for m in crisis}
    assert first.event_time == first.opened_at
    assert first.incident_id == f"saint-malo:negative_surge:{first.opened_at:%Y%m%dT%H%MZ}"
    assert first.event_id == f"{first.incident_id}:0"
    # A place this quiet (about one negative an hour) raises below the reference score, never below its floor.
    settings = DetectionEngine(sc.config()).settings
    floor = settings.look_score_per_decade * math.log10(settings.look_floor_per_hour / settings.look_reference_per_hour)
    assert settings.raise_score + floor <= first.significance.score < settings.raise_score
    assert first.significance.observed > first.significance.expected
    assert sc.transitions(events)[-1][0] == "resolved"
    assert [e.sequence for e in events] == list(range(len(events)))


def test_evidence_explains_the_alert() -> None:
    normal = sc.background("saint-malo", 8, 6, shape=sc.daily_rhythm)
    onset = sc.START + timedelta(days=7, hours=15)
    crisis = [
        sc.mention(
            "saint-malo",
            onset + timedelta(seconds=40 * i),
            "negative",
            followers=100 * i,
            text=f"Plage polluée à Saint-Malo, baignade interdite #SaintMalo #pollution témoignage {i}",
            language="fr" if i % 3 else "en",
            source="bluesky" if i % 2 else "mastodon",
        )
        for i in range(30)
    ]
    events = sc.run(sc.merged(normal, crisis))
    evidence = raised(events)[0].evidence
    assert len(evidence.series) == 288
    assert evidence.series[-1].observed >= 1
    assert sum(p.observed for p in evidence.series) >= sum(p.expected for p in evidence.series)
    reaches = [m.reach for m in evidence.top_mentions]
    assert 1 <= len(reaches) <= 10 and reaches == sorted(reaches, reverse=True)
    assert all(m.sentiment == "negative" for m in evidence.top_mentions)
    terms = {t.term for t in evidence.terms}
    assert {"polluée", "baignade", "interdite"} <= terms
    assert "plage" not in terms  # an everyday word of this territory's baseline: no lift
    assert "pollution" in {t.term for t in evidence.hashtags}
    assert all(t.lift >= 1.5 for t in evidence.terms)
    assert {c.key for c in evidence.sources} == {"bluesky", "mastodon"}
    assert {c.key for c in evidence.languages} == {"fr", "en"}
    final = events[-1]
    assert final.transition == "resolved" and len(final.evidence.top_mentions) == 10


def test_slow_build_up_is_raised_before_its_peak() -> None:
    normal = sc.background("saint-malo", 15, 6, shape=sc.daily_rhythm, seed=5)
    start = sc.START + timedelta(days=14, hours=8)
    # Negative posts every 40 minutes at first, then ever more often over six hours.
    build_up = []
    t = 0.0
    while t < 6 * 3600:
        build_up.append(sc.mention("saint-malo", start + timedelta(seconds=int(t)), "negative"))
        t += 2400.0 / (1.0 + t / 1800.0)
    events = sc.run(sc.merged(normal, build_up))
    [first] = raised(events)
    assert start + timedelta(hours=1) < first.event_time < start + timedelta(hours=6)


def test_a_festival_buzz_is_not_a_crisis() -> None:
    festival_day = (sc.START + timedelta(days=14)).date()
    event = {"name": "Route du Rhum", "start": festival_day, "end": festival_day, "volume_factor": 5}
    town = sc.territory("saint-malo", events=[event])
    normal = sc.background("saint-malo", 14, 6, shape=sc.daily_rhythm)
    # Ten times the usual volume, with the usual share of negative posts.
    buzz = sc.background("saint-malo", 1, 60, shape=sc.daily_rhythm, start=sc.START + timedelta(days=14), seed=7)
    stream = sc.merged(normal, buzz)
    assert not sc.run(stream, sc.config(town))
    # The share alone is enough: the count tests expect the negatives the buzz's other mentions imply at the
    # usual share. The calendar (x5) alone is not: the day ran at ten times the usual volume, twice what the
    # calendar expected, which a count test blind to the share rightly finds significant.
    assert not sc.run(stream, sc.config(sc.territory("saint-malo")))
    # Without both, the same buzz would look like a surge of negative posts; the share gate of old blocked it too.
    blind = DetectorSettings(share_conditioned_counts=False)
    assert raised(sc.run(stream, sc.config(sc.territory("saint-malo")), blind))
    assert not sc.run(stream, sc.config(sc.territory("saint-malo")), replace(blind, min_share_score=2.0))


def test_a_crisis_during_a_buzz_is_raised() -> None:
    normal = sc.background("saint-malo", 14, 6, shape=sc.daily_rhythm)
    buzz = sc.background("saint-malo", 1, 60, shape=sc.daily_rhythm, start=sc.START + timedelta(days=14), seed=7)
    onset = sc.START + timedelta(days=14, hours=14)
    crisis = sc.burst("saint-malo", onset, 60, 20)
    # The buzz raises what the count tests expect, not so far that its own negatives' surge goes unseen.
    [first] = raised(sc.run(sc.merged(normal, buzz, crisis), sc.config(sc.territory("saint-malo"))))
    assert onset <= first.event_time <= onset + timedelta(minutes=20)


def test_night_time_noise_in_a_village_is_below_the_minimum_volume() -> None:
    night = sc.START + timedelta(days=3, hours=2)
    angry = [sc.mention("ploumanach", night + timedelta(minutes=3 * i), "negative") for i in range(4)]
    normal = sc.background("ploumanach", 4, 0.2, seed=2)
    village = sc.config(sc.territory("ploumanach", "village"))
    assert not sc.run(sc.merged(normal, angry), village)
    # It is the minimum volume that holds them back: four posts in ten minutes are unusual for a village.
    assert raised(sc.run(sc.merged(normal, angry), village, DetectorSettings(min_negative=1.0)))


def test_strong_daily_seasonality_raises_nothing() -> None:
    for seed in (11, 12):
        stream = sc.background("nice", 21, 40, shape=sc.daily_rhythm, negative_share=0.2, seed=seed)
        assert not sc.run(stream, sc.config(sc.territory("nice", "city")))


def test_one_account_never_makes_a_crisis_alone_but_its_reach_sets_severity_and_evidence() -> None:
    at = sc.START + timedelta(days=5, hours=15)
    normal = list(sc.background("saint-malo", 5.5, 3, seed=4))

    def locals_(count: int) -> list[Any]:
        return [sc.mention("saint-malo", at + timedelta(minutes=2 * i), "negative", followers=40) for i in range(count)]

    outlet = sc.mention(
        "saint-malo",
        at + timedelta(minutes=9),
        "negative",
        followers=2_000_000,
        text="Saint-Malo : la plage fermée après une pollution",
        source="rss",
    )
    assert not sc.run(sc.merged(normal, [outlet]))  # one post alone is below the minimum volume
    # Three posts and a national outlet are four posts: reach does not lift them past the minimum volume of
    # distinct mentions (a 2-million-follower account would otherwise make a crisis of three posts).
    assert not sc.run(sc.merged(normal, locals_(3), [outlet]))
    events = sc.run(sc.merged(normal, locals_(4), [outlet]))
    [first] = raised(events)
    assert first.trigger_mention_id == outlet.mention_id
    assert first.severity == "major"  # reach alone makes it major
    assert first.evidence.top_mentions[0].mention_id == outlet.mention_id


def test_a_copy_paste_campaign_is_one_incident_with_one_representative_post() -> None:
    normal = sc.background("saint-malo", 8, 6, shape=sc.daily_rhythm)
    at = sc.START + timedelta(days=7, hours=16)
    text = "Boycottez Saint-Malo, ville sale et dangereuse !!! #BoycottSaintMalo"
    original = sc.mention("saint-malo", at, "negative", followers=900, text=text)
    copies = [
        sc.mention(
            "saint-malo",
            at + timedelta(seconds=20 * i),
            "negative",
            followers=5_000_000 if i == 3 else 10,
            text=text,
            duplicate_of=original.mention_id,
        )
        for i in range(1, 80)
    ]
    events = sc.run(sc.merged(normal, [original], copies))
    assert len(raised(events)) == 1
    assert len({e.incident_id for e in events}) == 1
    texts = [m.text for m in events[0].evidence.top_mentions]
    assert texts.count(text) == 1
    assert events[0].severity != "critical" or events[0].significance.ratio >= 8


def test_updates_are_rate_limited_and_escalations_raise_severity() -> None:
    normal = sc.background("saint-malo", 8, 6, shape=sc.daily_rhythm)
    at = sc.START + timedelta(days=7, hours=9)
    # A long crisis: one negative post a minute for six hours.
    crisis = sc.burst("saint-malo", at, 360, 360)
    engine = DetectionEngine(sc.config())
    events = sc.run(sc.merged(normal, crisis))
    kinds = Counter(e.transition for e in events)
    assert kinds["raised"] == 1 and kinds["resolved"] == 1 and kinds["updated"] >= 1
    ranks = {"warning": 1, "major": 2, "critical": 3}
    severities = [ranks[e.severity] for e in events]
    assert severities == sorted(severities)
    for previous, event in itertools.pairwise(events):
        if event.transition == "escalated":
            assert ranks[event.severity] > ranks[previous.severity]
    update_times = [e.event_time for e in events if e.transition in ("raised", "updated")]
    gaps = [later - earlier for earlier, later in itertools.pairwise(update_times)]
    assert min(gaps) >= timedelta(seconds=engine.settings.update_min_interval_seconds)
    assert events[-1].resolved_at is not None
    assert events[-1].resolved_at >= crisis[-1].published_at + timedelta(seconds=engine.settings.hold_quiet_seconds)


def test_late_mentions_are_counted_and_ignored() -> None:
    engine = DetectionEngine(sc.config())
    driver = PartitionDriver(engine, 0)
    states: dict[str, Any] = {}
    at = sc.START + timedelta(days=1)
    driver.on_mention(sc.mention("saint-malo", at, "negative"), states)
    before = json_copy(states)
    driver.on_mention(sc.mention("saint-malo", at - timedelta(hours=1), "negative"), states)
    assert engine.late_mentions == 1
    assert states == before
    driver.on_mention(sc.mention("saint-malo", at - timedelta(minutes=5), "negative"), states)
    assert engine.late_mentions == 1
    assert states["saint-malo"]["ring"] != before["saint-malo"]["ring"]


def json_copy(value: dict[str, Any]) -> Any:
    return json.loads(json.dumps(value))
