"""The crisis-scenario benchmark's own rules (benchmarks/crisis_scenarios.py): settings it compares, texts it reads."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from vigie.classifier.detection import DetectorSettings
from vigie.classifier.sentiment.protocol import Prediction


@pytest.fixture(scope="module")
def scenarios() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "crisis_scenarios.py"
    spec = importlib.util.spec_from_file_location("crisis_scenarios", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crisis_scenarios"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_settings_are_the_defaults_changed_by_the_assignments_given(scenarios: ModuleType) -> None:
    assert scenarios.settings_with([]) is None
    changed = scenarios.settings_with(["raise_score=5.0", "window_buckets=(3, 6, 12)"])
    assert changed == DetectorSettings(raise_score=5.0, window_buckets=(3, 6, 12))


def test_texts_come_from_validation_splits_only(scenarios: ModuleType, tmp_path: Path) -> None:
    # Only validation files exist under this root: reading a test (or training) split would fail.
    for folder in ("xlmt/french", "xlmt/english", "tweeteval-val"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "val_text.txt").write_text("un texte\nanother text\n", encoding="utf-8")
        (tmp_path / folder / "val_labels.txt").write_text("0\n2\n", encoding="utf-8")
    pools = scenarios.text_pools(tmp_path)
    assert pools["fr"]["negative"] == ["un texte"]
    assert pools["en"]["positive"] == ["another text", "another text"]


class _KeywordModel:
    """A deterministic stand-in for the sentiment model: "colère" is negative, anything else neutral."""

    name = "keywords"

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        return [
            Prediction("negative", 0.8, 0.1, 0.1) if "colère" in text else Prediction("neutral", 0.1, 0.8, 0.1)
            for text in texts
        ]


def test_a_replay_of_the_scored_mentions_gives_the_backtest_s_alerts(scenarios: ModuleType, tmp_path: Path) -> None:
    # --scored replays mentions scored once: the same alert events as the backtest that scores them itself.
    generator = scenarios._Generator(
        3, {lang: {label: [f"{label} {lang}"] for label in scenarios.LABELS} for lang in ("fr", "en")}
    )
    place = scenarios.TERRITORIES[1]
    authors = generator.authors(place)
    start = scenarios.START.timestamp()
    rows = [generator.mention(place, start + 600.0 * i, "neutral", authors) for i in range(200)]
    rows += [generator.mention(place, start + 86400.0 + 20.0 * i, "negative", authors) for i in range(40)]
    rows.sort(key=lambda row: row["published_at"])
    for row in rows:
        if "negative" in row["text"]:
            row["text"] += " colère"
    path = tmp_path / "mentions.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    model = _KeywordModel()
    backtest = scenarios.model_run(scenarios.Draw(), path, model, None)
    replayed = scenarios.replay_run(scenarios.scored_mentions(path, model), None)
    assert [event.transition for event in backtest][:1] == ["raised"]
    assert replayed == backtest
