"""The detection state's versioned codec: a state survives dump and load with the same events, a state of an older
layout is migrated, a state of a newer or unknown version is rejected (by the service too, record by record)."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import detection_scenarios as sc
from vigie.classifier.detection import DetectionEngine, PartitionDriver
from vigie.classifier.detection.partition import is_territory_key
from vigie.classifier.detection.state import STATE_VERSION
from vigie.classifier.detection.state_codec import StateFormatError, StateVersionError, dump_state, load_state
from vigie.classifier.service.checkpoint import decode_entry, dumps, encode_entry
from vigie.classifier.service.detection_step import EngineDetectionStep
from vigie.classifier.service.records import InboundRecord
from vigie.digest import clusters
from vigie.schemas import MENTIONS_SCORED, AlertEvent, ScoredMention, encode


def _stream() -> list[ScoredMention]:
    """Three days of an ordinary town and a crisis on the third evening."""
    normal = sc.background("saint-malo", 3, 6, seed=3)
    crisis = sc.burst("saint-malo", sc.START + timedelta(days=2, hours=18), 30, 20, followers=90_000)
    return sc.merged(normal, crisis)


def _run(mentions: list[ScoredMention], states: dict[str, Any], *, codec: bool = False) -> list[AlertEvent]:
    """The mentions through one driver; with ``codec`` every territory state is dumped and loaded after each."""
    driver = PartitionDriver(DetectionEngine(sc.config()), 0)
    events: list[AlertEvent] = []
    for item in mentions:
        events.extend(driver.on_mention(item, states))
        if codec:
            for key in [key for key in states if is_territory_key(key)]:
                states[key] = load_state(dump_state(states[key]))
    return events


def _one_mention_state() -> dict[str, Any]:
    """The state of a territory after one mention, as plain JSON-like data."""
    states: dict[str, Any] = {}
    _run([sc.mention("saint-malo", sc.START, "negative")], states)
    state: dict[str, Any] = states["saint-malo"]
    return state


def test_a_state_dumped_and_loaded_at_every_mention_gives_the_same_events_and_state() -> None:
    mentions = _stream()
    kept: dict[str, Any] = {}
    reloaded: dict[str, Any] = {}
    events = _run(mentions, kept)
    assert [event.transition for event in events][:1] == ["raised"]
    assert _run(mentions, reloaded, codec=True) == events
    assert reloaded == kept
    state = kept["saint-malo"]
    assert state["v"] == STATE_VERSION
    assert load_state(dump_state(state)) == state
    assert json.loads(dump_state(state)) == state  # plain JSON: what the checkpoint stores
    assert dump_state(state) == dumps(state)  # the bytes any state of the table is written as


def test_keys_the_detector_creates_on_first_use_may_be_absent() -> None:
    """The CUSUM, the moment sums, the share correlation and the ring's largest weights are absent from states of
    some settings or some releases: such a state loads as it is (the detector starts each from its prior)."""
    state = _one_mention_state()
    for key in ("ps", "pws", "rs", "rho"):
        state["base"].pop(key, None)
    state.pop("cu", None)
    del state["ring"]["wx"]
    loaded = load_state(json.dumps(state))
    assert loaded == state
    assert "wx" not in loaded["ring"] and "cu" not in loaded


def _older(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` as a release before the evidence's clusters, first post, author filter and negative counts, and
    before the top rows kept their near-duplicate signature, wrote it."""
    older = copy.deepcopy(state)
    evidence = older["ev"]
    for key in ("cl", "first", "neg"):
        del evidence[key]
    evidence["seen"] = [[0] * 128, [0] * 128]  # an author filter of another shape
    evidence["top"] = [row[:10] for row in evidence["top"]]
    return older


def test_an_older_layout_is_migrated_to_the_current_one() -> None:
    mentions = _stream()
    # Halfway, just after a negative mention: the evidence holds top mentions.
    half = 1 + max(i for i, item in enumerate(mentions[: len(mentions) // 2]) if item.sentiment == "negative")
    states: dict[str, Any] = {}
    _run(mentions[:half], states)
    current = states["saint-malo"]
    assert current["ev"]["top"], "the scenario must leave top mentions to migrate"
    migrated = load_state(json.dumps(_older(current)))
    evidence = migrated["ev"]
    assert evidence["cl"] == [] and evidence["first"] is None and evidence["neg"] == [0.0, 0.0]
    assert evidence["seen"] == [[0] * 128, [0] * 128, 0]
    assert [row[:10] for row in evidence["top"]] == [row[:10] for row in current["ev"]["top"]]
    assert [row[10] for row in evidence["top"]] == [clusters.signature(row[4]) for row in evidence["top"]]
    # Detection goes on from the migrated state: the crisis raises, the same incident as from the current state.
    from_current = _run(mentions[half:], {"saint-malo": copy.deepcopy(current)})
    from_migrated = _run(mentions[half:], {"saint-malo": migrated})
    assert [e.incident_id for e in from_migrated if e.transition == "raised"] == [
        e.incident_id for e in from_current if e.transition == "raised"
    ]
    assert [e.transition for e in from_migrated] == [e.transition for e in from_current]


def test_a_migrated_top_row_still_keeps_one_post_per_text() -> None:
    at = sc.START + timedelta(hours=12)
    text = "Fioul sur la plage du Sillon, baignade interdite"
    states: dict[str, Any] = {}
    _run([sc.mention("saint-malo", at, "negative", followers=5000, text=text, number=1)], states)
    migrated = load_state(json.dumps(_older(states["saint-malo"])))
    copy_of_it = sc.mention("saint-malo", at + timedelta(minutes=1), "negative", followers=10, text=text, number=2)
    _run([copy_of_it], {"saint-malo": migrated})
    assert [row[2] for row in migrated["ev"]["top"]] == [states["saint-malo"]["ev"]["top"][0][2]]


@pytest.mark.parametrize("version", [2, 99])
def test_a_newer_version_is_rejected_naming_it(version: int) -> None:
    state = _one_mention_state()
    state["v"] = version
    with pytest.raises(StateVersionError, match=rf"version {version} is newer than the version 1") as raised:
        load_state(json.dumps(state).encode())
    assert raised.value.version == version


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, None, [1]])
def test_an_unknown_version_is_rejected_naming_it(version: object) -> None:
    state = _one_mention_state()
    state["v"] = version
    with pytest.raises(StateVersionError, match=re.escape(f"version {version!r} is not a known version")):
        load_state(state)


def test_what_is_not_a_territory_state_is_rejected() -> None:
    with pytest.raises(StateFormatError, match="JSON object, not list"):
        load_state(b"[1, 2]")
    state = _one_mention_state()
    del state["v"]
    with pytest.raises(StateFormatError, match="no format version"):
        load_state(state)
    state = _one_mention_state()
    del state["ring"], state["ev"]
    with pytest.raises(StateFormatError, match="lacks ring, ev"):
        load_state(state)
    state = _one_mention_state()
    state["ev"] = []
    with pytest.raises(StateFormatError, match="evidence"):
        load_state(state)


def _record(mention: ScoredMention, offset: int) -> InboundRecord:
    encoded = encode(MENTIONS_SCORED, mention, source="/test")
    return InboundRecord(MENTIONS_SCORED, 0, offset, encoded.key, encoded.value, encoded.headers)


def test_the_service_dead_letters_the_mentions_of_a_state_of_a_newer_version() -> None:
    """A state written by a newer release fails its territory's records with a reason naming its version (never
    misread); the other territories of the partition go on, and the state is left as it was."""
    cfg = sc.config(sc.territory("saint-malo"), sc.territory("dinard"))
    newer = _one_mention_state()
    newer["v"] = STATE_VERSION + 1
    stored = encode_entry(9, json.dumps(newer).encode())
    book = PartitionDriver.bookkeeping_key(0)
    table = {"saint-malo": stored, book: encode_entry(9, json.dumps({"wm": newer["clock"], "due": {}}).encode(), b"{}")}
    step = EngineDetectionStep(cfg, lambda: datetime(2026, 3, 3, tzinfo=UTC))
    at = sc.START + timedelta(hours=1)
    outcome = step.process(
        [_record(sc.mention("saint-malo", at, number=10), 10), _record(sc.mention("dinard", at, number=11), 11)],
        table,
    )
    assert len(outcome.dead_letters) == 1
    reason = outcome.dead_letters[0].reason
    assert "detection state format version 2 is newer" in reason, reason
    keys = {write.key for write in outcome.writes}
    assert "dinard" in keys and "saint-malo" not in keys
    assert table["saint-malo"] is stored
    assert json.loads(decode_entry(stored)[1])["v"] == 2
