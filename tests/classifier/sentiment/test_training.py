"""Training is reproducible and learns from the corpora layout of shared/data/sentiment (tiny corpora
written here, no encoder: distillation is switched off)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from vigie.classifier.sentiment.artifact import load_model, save_model
from vigie.classifier.sentiment.datasets import XLMT_LANGUAGES, DatasetError
from vigie.classifier.sentiment.distillation import concatenate, soft_targets
from vigie.classifier.sentiment.evaluation import macro_f1, macro_recall
from vigie.classifier.sentiment.features import FeatureConfig
from vigie.classifier.sentiment.recipe import Recipe, train
from vigie.classifier.sentiment.training import Sparse, TrainingParameters

POSITIVE = ["great lovely place", "super belle plage", "wonderful happy day", "génial merci bravo"]
NEGATIVE = ["awful dirty beach", "horrible sale honte", "terrible rude staff", "nul déçu colère"]
NEUTRAL = ["opens at nine", "ouvert lundi matin", "bus line four", "réunion jeudi salle"]


def _write(folder: Path, split: str, rows: list[tuple[str, int]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{split}_text.txt").write_text("\n".join(text for text, _ in rows), "utf-8")
    (folder / f"{split}_labels.txt").write_text("\n".join(str(label) for _, label in rows), "utf-8")


@pytest.fixture
def corpora(tmp_path: Path) -> Path:
    rows = [(t, 0) for t in NEGATIVE] + [(t, 1) for t in NEUTRAL] + [(t, 2) for t in POSITIVE]
    _write(tmp_path / "semeval-en", "train", rows * 5)
    _write(tmp_path / "tweeteval-val", "val", rows)
    for folder in XLMT_LANGUAGES:
        _write(tmp_path / "xlmt" / folder, "train", rows * 2)
        _write(tmp_path / "xlmt" / folder, "val", rows)
    return tmp_path


def _recipe() -> Recipe:
    return Recipe(
        features=FeatureConfig(bits=14),
        parameters=TrainingParameters(epochs=3, corpus_weights={"xlmt": 2.0}),
        distillation=None,
    )


def test_same_data_and_seed_give_the_same_weights(corpora: Path) -> None:
    first, metadata = train(corpora, _recipe())
    second, _ = train(corpora, _recipe())
    assert np.array_equal(first.weights, second.weights)
    assert np.array_equal(first.bias, second.bias)
    assert metadata["validation"]["xlmt-french-val"]["macro_f1"] == 1.0
    other, _ = train(corpora, replace(_recipe(), parameters=replace(_recipe().parameters, seed=1)))
    assert not np.array_equal(first.weights, other.weights)


def test_a_trained_model_round_trips_through_its_artifact(corpora: Path, tmp_path: Path) -> None:
    model, metadata = train(corpora, _recipe())
    save_model(model, tmp_path / "model", {"training_command": "test", **metadata})
    loaded = load_model(tmp_path / "model")
    texts = ["lovely great beach", "awful rude", "opens monday"]
    assert [p.label for p in loaded.predict(texts)] == ["positive", "negative", "neutral"]
    assert loaded.predict(texts) == model.predict(texts)


def test_misaligned_corpus_files_are_refused(corpora: Path) -> None:
    (corpora / "semeval-en" / "train_labels.txt").write_text("0\n1", "utf-8")
    with pytest.raises(DatasetError, match="texts but 2 labels"):
        train(corpora, _recipe())


def test_metrics() -> None:
    gold = np.array([0, 0, 1, 1, 2, 2])
    assert macro_f1(gold, gold) == 1.0
    assert macro_recall(gold, np.array([0, 0, 0, 0, 0, 0])) == pytest.approx(1 / 3)


def test_distillation_helpers() -> None:
    head = np.zeros((513, 3), dtype=np.float32)
    head[-1] = (0.0, 0.0, 10.0)
    soft = soft_targets(np.zeros((2, 512), dtype=np.float32), head, 1.0)
    assert soft.shape == (2, 3)
    assert soft[:, 2].min() > 0.99
    one = Sparse(np.array([0, 2]), np.array([5, 6]), np.array([1.0, 1.0], dtype=np.float32))
    two = Sparse(np.array([0, 1, 3]), np.array([7, 8, 9]), np.array([1.0, 2.0, 3.0], dtype=np.float32))
    both = concatenate(one, two)
    assert both.indptr.tolist() == [0, 2, 3, 5]
    assert both.indices.tolist() == [5, 6, 7, 8, 9]
