"""The model artifact: integrity check at load, save/load round trip, reproducible training code paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from vigie.classifier.sentiment import MODELS_DIR, LinearSentimentModel, ModelArtifactError, load_default_model
from vigie.classifier.sentiment.artifact import load_model, save_model


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    target = tmp_path / "fast"
    shutil.copytree(MODELS_DIR / "fast", target)
    return target


def test_a_copy_of_the_shipped_model_loads_and_predicts_the_same(shipped_copy: Path) -> None:
    texts = ["Superbe marché de Noël !", "Ville sale et mal entretenue"]
    assert load_model(shipped_copy).predict(texts) == load_default_model().predict(texts)


def test_a_flipped_byte_in_the_weights_is_reported_at_load(shipped_copy: Path) -> None:
    weights = shipped_copy / "weights.npy"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelArtifactError, match=r"weights\.npy is corrupted"):
        load_model(shipped_copy)


def test_a_truncated_file_is_reported_at_load(shipped_copy: Path) -> None:
    words = shipped_copy / "hashtag_words.txt"
    words.write_bytes(words.read_bytes()[:100])
    with pytest.raises(ModelArtifactError, match=r"hashtag_words\.txt is corrupted"):
        load_model(shipped_copy)


def test_a_missing_file_or_manifest_is_reported(shipped_copy: Path) -> None:
    (shipped_copy / "bias.npy").unlink()
    with pytest.raises(ModelArtifactError, match=r"bias\.npy is missing"):
        load_model(shipped_copy)
    (shipped_copy / "SHA256SUMS").unlink()
    with pytest.raises(ModelArtifactError, match="no SHA256SUMS manifest"):
        load_model(shipped_copy)


def test_an_unknown_preset_is_refused() -> None:
    with pytest.raises(ModelArtifactError, match="unknown sentiment preset"):
        load_default_model("enormous")


def test_save_then_load_round_trip(tmp_path: Path) -> None:
    model = load_default_model()
    assert isinstance(model, LinearSentimentModel)
    save_model(model, tmp_path / "copy", {"note": "round trip"})
    again = load_model(tmp_path / "copy")
    assert np.array_equal(again.weights, model.weights)
    assert np.array_equal(again.bias, model.bias)
    assert again.config == model.config
