"""Matchers: Alertmanager semantics (RE2, anchored), linear-time matching, patterns RE2 cannot run refused
at parse time (API, routes file), and stored silences this version refuses skipped at start-up."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.notifier import make_alert
from vigie.notifier.matchers import Matcher, MatcherError
from vigie.notifier.routes_config import parse_routes
from vigie.notifier.silence_file import load_silences, save_silences
from vigie.notifier.silences import Silences
from vigie.schemas import ConfigError

PATHOLOGICAL = ["kind=~(.?.?.?|.)+!", "territory=~(a+)+$", "territory=~(a|aa)*b", "territory=~(a+a+)+y"]


@pytest.mark.timeout(20, method="thread")  # Python's re takes hours on these: fail, do not hang the suite
@pytest.mark.parametrize("text", PATHOLOGICAL)
def test_pathological_patterns_run_in_linear_time(text: str) -> None:
    matcher = Matcher.parse(text)
    value = "a" * 100_000 + "X"
    started = time.perf_counter()
    assert not matcher.matches({"kind": value, "territory": value})
    assert time.perf_counter() - started < 0.5


def test_alertmanager_semantics_anchored_full_match() -> None:
    severe = Matcher.parse("severity=~major|critical")
    assert severe.matches({"severity": "major"}) and severe.matches({"severity": "critical"})
    assert not severe.matches({"severity": "majority"}) and not severe.matches({"severity": "minor major"})
    assert Matcher.parse("territory_id=~saint-.*").matches({"territory_id": "saint-malo"})
    assert not Matcher.parse("territory_id=~malo").matches({"territory_id": "saint-malo"})
    assert Matcher.parse("team!~ops|dev").matches({"team": "comms"})
    assert Matcher.parse("team=~").matches({})  # a missing label is "" (as in Alertmanager)
    assert Matcher.parse('territory = "Saint Malo"').matches({"territory": "Saint Malo"})
    assert Matcher.parse("territory=~(?i)saint-malo").matches({"territory": "SAINT-MALO"})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("kind=~(a)\\1", "invalid escape sequence"),
        ("kind=~(?=negative)", "invalid perl operator"),
        ("kind=~(?<!x)y", "invalid perl operator"),
        ("kind=~[", "missing ]"),
        ("kind=~" + "a" * 600, "at most"),
        ("kind=~\ud800", "not valid Unicode"),
        ("9kind=x", "expected name=value"),
    ],
)
def test_patterns_re2_cannot_run_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(MatcherError, match=reason):
        Matcher.parse(text)


def test_a_routes_file_with_a_backreference_is_refused_at_load() -> None:
    text = (
        "route:\n  receiver: a\n  routes:\n    - {receiver: a, matchers: ['territory_id=~(a)\\1']}\n"
        "receivers:\n  - name: a\n    teams: {url: 'http://127.0.0.1:1/x'}\n"
    )
    with pytest.raises(ConfigError) as error:
        parse_routes(text, "routes.yaml")
    assert "routes.yaml:4" in str(error.value) and "RE2" in str(error.value)


def test_stored_silences_this_version_refuses_are_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    now = datetime.now(UTC)
    good = Silences()
    kept = good.add((Matcher.parse("territory_id=nice"),), now, now + timedelta(hours=1), now=now)
    path = tmp_path / "silences.json"
    save_silences(path, good)
    data = json.loads(path.read_text(encoding="utf-8"))
    stale = {**data["silences"][0], "id": "old-backref", "matchers": ["kind=~(a)\\1"]}
    naive = {**data["silences"][0], "id": "naive", "ends_at": "2030-01-01T00:00:00"}
    broken = {"id": "no-matchers"}
    data["silences"] += [stale, naive, broken, "not an object"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        loaded = load_silences(path)
    assert [s.id for s in loaded.all()] == [kept.id]
    skipped = [r for r in caplog.records if r.getMessage().startswith("skipping a stored silence")]
    assert len(skipped) == 4


def test_an_unreadable_silences_file_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "silences.json"
    path.write_bytes(b"\xff{not json")
    assert load_silences(path).all() == []
    assert not path.exists() and (tmp_path / "silences.json.unreadable").read_bytes() == b"\xff{not json"


def test_silencing_an_alert_with_a_pathological_silence_is_instant() -> None:
    now = datetime.now(UTC)
    silences = Silences()
    silences.add((Matcher.parse("territory=~(.?.?.?|.)+!"),), now, now + timedelta(hours=1), now=now)
    started = time.perf_counter()
    assert silences.silencing(make_alert(0, territory_name="a" * 512), now) is None
    assert time.perf_counter() - started < 0.1
