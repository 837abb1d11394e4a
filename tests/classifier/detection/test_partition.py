from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.support import detection_scenarios as sc
from vigie.classifier.detection import (
    DetectionEngine,
    PartitionDriver,
    UnknownTerritoryError,
    seen_mentions,
)
from vigie.classifier.detection.partition import SEEN_FIELD


def test_unknown_territory_is_a_classified_error_and_changes_nothing() -> None:
    driver = PartitionDriver(DetectionEngine(sc.config()), 0)
    states: dict[str, Any] = {}
    with pytest.raises(UnknownTerritoryError) as raised:
        driver.on_mention(sc.mention("atlantis", sc.START), states)
    assert raised.value.reason == "unknown_territory"
    assert states == {}


def test_a_silent_territory_resolves_on_the_partition_watermark() -> None:
    cfg = sc.config(sc.territory("saint-malo"), sc.territory("dinard"))
    crisis = sc.burst("saint-malo", sc.START + timedelta(days=1), 30, 20)
    other = sc.background("dinard", 2, 6, seed=3)
    engine = DetectionEngine(cfg)
    driver = PartitionDriver(engine, 0)
    states: dict[str, Any] = {}
    events = []
    for item in sc.merged(crisis, other):
        events.extend(driver.on_mention(item, states))
    saint_malo = [e for e in events if e.territory_id == "saint-malo"]
    assert next(e.transition for e in saint_malo) == "raised"
    assert saint_malo[-1].transition == "resolved"
    hold = engine.settings.hold_quiet_seconds
    assert saint_malo[-1].resolved_at is not None
    assert saint_malo[-1].resolved_at - saint_malo[-1].opened_at >= timedelta(seconds=hold)
    assert PartitionDriver.bookkeeping_key(0) in states
    json.dumps(states)  # the whole mapping (states and bookkeeping) is JSON


def test_seen_mentions_live_in_the_territory_state_and_an_older_layout_still_counts_them() -> None:
    """The seen-mentions set is kept inside the territory's state (one table entry per territory); a state
    written when it had its own entry (``_seen:<territory>``) still recognises the mentions it had counted, and
    the next counted mention moves the set into the state."""
    cfg = sc.config(sc.territory("saint-malo"))
    first = [sc.mention("saint-malo", sc.START + timedelta(minutes=i), number=i) for i in range(5)]
    driver = PartitionDriver(DetectionEngine(cfg), 0)
    states: dict[str, Any] = {}
    for item in first:
        assert driver.apply(item, states).verdict == "counted"
    assert seen_mentions.seen_key("saint-malo") not in states
    assert driver.apply(first[2], states).verdict == "duplicate"

    # The same states as an older version wrote them: the set under its own key, the state without it.
    older = json.loads(json.dumps(states))
    older[seen_mentions.seen_key("saint-malo")] = older["saint-malo"].pop(SEEN_FIELD)
    driver = PartitionDriver(DetectionEngine(cfg), 0)
    assert driver.apply(first[3], older).verdict == "duplicate"
    later = sc.mention("saint-malo", sc.START + timedelta(minutes=6), number=99)
    assert driver.apply(later, older).verdict == "counted"
    assert driver.apply(first[0], older).verdict == "duplicate"  # what the older entry had counted
    assert driver.apply(later, older).verdict == "duplicate"
    marks = [mark for marks in older["saint-malo"][SEEN_FIELD]["ids"].values() for mark in marks]
    assert len(marks) == len(first) + 1
