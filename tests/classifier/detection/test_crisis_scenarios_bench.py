"""The crisis-scenario benchmark's own rules (benchmarks/crisis_scenarios.py): settings it compares, texts it reads."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from vigie.classifier.detection import DetectorSettings


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
