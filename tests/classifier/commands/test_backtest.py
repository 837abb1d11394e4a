"""``vigie backtest``: scoring and detection over raw mentions, the service's code path."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vigie.classifier.detection import DetectionEngine, PartitionDriver
from vigie.classifier.replay import Backtest
from vigie.classifier.scoring import score_mentions
from vigie.classifier.sentiment.protocol import LanguageGuess, Prediction
from vigie.runtime.partitioning import partition_for
from vigie.schemas import AlertEvent, RawMention, TerritoryConfig

VIGIE = str(Path(sys.executable).with_name("vigie"))
START = datetime(2026, 3, 2, tzinfo=UTC)
NEGATIVE = ("honte", "scandale", "polluée", "dégoûtant", "disgusting")


class KeywordModel:
    """A deterministic test model: negative when a negative keyword occurs, else neutral."""

    name = "keyword-test-1"

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        return [
            Prediction("negative", 0.9, 0.05, 0.05)
            if any(word in text.lower() for word in NEGATIVE)
            else Prediction("neutral", 0.1, 0.8, 0.1)
            for text in texts
        ]


class EnglishOrFrench:
    def identify(self, texts: Sequence[str]) -> list[LanguageGuess]:
        return [LanguageGuess("en" if " the " in f" {t.lower()} " else "fr", 0.9) for t in texts]


TERRITORIES: dict[str, Any] = {
    "version": 1,
    "territories": [
        {"id": "saint-malo", "name": "Saint-Malo", "size_class": "town"},
        {"id": "dinard", "name": "Dinard", "size_class": "village"},
        {"id": "rennes", "name": "Rennes", "size_class": "city"},
    ],
}


def raw(territory: str, at: datetime, text: str, n: int, followers: int = 30) -> dict[str, Any]:
    return {
        "mention_id": f"mastodon:test:{territory}-{n}",
        "native_id": str(n),
        "source": {"kind": "mastodon", "instance": "test"},
        "text": text,
        "author": {"handle": f"user{n}", "followers": followers},
        "published_at": at.isoformat(),
        "collected_at": (at + timedelta(seconds=3)).isoformat(),
        "territory_id": territory,
    }


def scenario() -> list[dict[str, Any]]:
    """Two days of quiet mentions on three territories, then a crisis in Saint-Malo."""
    rng = random.Random(9)
    rows = []
    for n in range(900):
        territory = rng.choice(["saint-malo", "dinard", "rennes", "rennes"])
        at = START + timedelta(seconds=rng.randint(0, 2 * 86400))
        text = "Belle journée au marché" if rng.random() < 0.85 else "Quelle honte ce parking"
        rows.append(raw(territory, at, text, n))
    onset = START + timedelta(days=2, hours=1)
    for i in range(40):
        text = f"Scandale : la plage de Saint-Malo est polluée, c'est une honte ({i})"
        rows.append(raw("saint-malo", onset + timedelta(seconds=30 * i), text, 10_000 + i, followers=100 * i))
    rows.append(raw("rennes", onset + timedelta(hours=5), "Belle journée au marché", 20_000))
    return sorted(rows, key=lambda r: r["published_at"])


def test_backtest_equals_the_partition_drivers_of_the_service() -> None:
    config = TerritoryConfig.model_validate(TERRITORIES)
    mentions = [RawMention.model_validate(row) for row in scenario()]
    backtest = Backtest(config, KeywordModel(), EnglishOrFrench(), batch_size=64)
    events = list(backtest.run(mentions))
    assert [e.transition for e in events if e.territory_id == "saint-malo"][:1] == ["raised"]
    assert events[-1].transition == "resolved"
    # What the service does: one driver per partition, records of each partition in order, states per key.
    engine = DetectionEngine(config)
    partitions = 3
    drivers = {p: PartitionDriver(engine, p) for p in range(partitions)}
    states: dict[str, Any] = {}
    scored = score_mentions(KeywordModel(), EnglishOrFrench(), mentions)
    by_partition: dict[int, list[AlertEvent]] = {p: [] for p in range(partitions)}
    for mention in scored:
        p = partition_for(mention.territory_id, partitions)
        by_partition[p].extend(drivers[p].on_mention(mention, states))
    assert sorted(events, key=lambda e: e.event_id) == sorted(
        (e for p in by_partition.values() for e in p), key=lambda e: e.event_id
    )
    assert backtest.totals.events == len(events)


def test_unknown_territories_are_counted_not_fatal() -> None:
    config = TerritoryConfig.model_validate(TERRITORIES)
    rows = [raw("atlantis", START, "honte", 1), raw("dinard", START, "Belle journée", 2)]
    backtest = Backtest(config, KeywordModel(), EnglishOrFrench())
    assert list(backtest.run(RawMention.model_validate(r) for r in rows)) == []
    assert (backtest.totals.mentions, backtest.totals.unknown_territory) == (2, 1)


def test_vigie_backtest_end_to_end(tmp_path: Path) -> None:
    territories = tmp_path / "territories.yaml"
    territories.write_text(json.dumps(TERRITORIES))  # JSON is YAML
    mentions = tmp_path / "mentions.jsonl"
    lines = [json.dumps(row, ensure_ascii=False) for row in scenario()]
    mentions.write_text("\n".join([*lines[:10], "{not json", *lines[10:]]) + "\n", encoding="utf-8")
    result = subprocess.run(
        [VIGIE, "backtest", "--territories", str(territories), str(mentions)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    events = [AlertEvent.model_validate_json(line) for line in result.stdout.splitlines()]
    crisis = [e for e in events if e.territory_id == "saint-malo"]
    assert crisis and crisis[0].transition == "raised"
    assert crisis[0].event_time >= START + timedelta(days=2, hours=1)
    assert crisis[-1].transition == "resolved"
    assert "1 invalid lines" in result.stderr
    # The same file on stdin gives the same events.
    again = subprocess.run(
        [VIGIE, "backtest", "--territories", str(territories), "-"],
        input=mentions.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.stdout == result.stdout


def test_vigie_backtest_fails_when_no_line_is_a_raw_mention(tmp_path: Path) -> None:
    territories = tmp_path / "territories.yaml"
    territories.write_text(json.dumps(TERRITORIES))
    wrong = tmp_path / "alerts.jsonl"  # e.g. the alerts file given where the raw mentions were meant
    wrong.write_text('{"incident_id": "x"}\n{not json\n', encoding="utf-8")
    result = subprocess.run(
        [VIGIE, "backtest", "--territories", str(territories), str(wrong)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "2 invalid lines" in result.stderr and "no valid raw mention" in result.stderr
