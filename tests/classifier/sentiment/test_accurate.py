"""The ``accurate`` preset: the fast model combined with a multilingual-e5-small head; the cascade."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from vigie.classifier.sentiment import (
    MODELS_DIR,
    CascadeSentimentModel,
    EnsembleSentimentModel,
    LinearSentimentModel,
    ModelArtifactError,
    load_default_model,
)
from vigie.classifier.sentiment.accurate import decision_margin, load_accurate


@pytest.fixture(scope="module")
def accurate() -> EnsembleSentimentModel:
    loaded = load_default_model("accurate")
    assert isinstance(loaded, EnsembleSentimentModel)
    return loaded


def test_clear_posts_in_several_languages(accurate: EnsembleSentimentModel) -> None:
    posts = [
        ("fr", "Plage dégoûtante, des déchets partout et la mairie ne fait rien. Honteux !", "negative"),
        ("fr", "Magnifique journée au festival, bravo à la ville pour cette superbe organisation !", "positive"),
        ("en", "Terrible experience at the town hall, rude staff and hours of waiting. Awful.", "negative"),
        ("en", "What a wonderful town, the old harbour is beautiful and people are so friendly!", "positive"),
        ("de", "Wunderschöne Altstadt, tolles Essen und super freundliche Leute. Ich liebe es!", "positive"),
        ("es", "Pésimo servicio en el ayuntamiento, una vergüenza, nunca más.", "negative"),
    ]
    predictions = accurate.predict([text for _, text, _ in posts], [language for language, _, _ in posts])
    assert [p.label for p in predictions] == [label for _, _, label in posts]


def test_blank_texts_are_neutral_and_probabilities_sum_to_one(accurate: EnsembleSentimentModel) -> None:
    predictions = accurate.predict(["", "  ", "Le musée est fermé le lundi."])
    assert [p.label for p in predictions[:2]] == ["neutral", "neutral"]
    for p in predictions:
        assert abs(p.negative + p.neutral + p.positive - 1.0) < 1e-5


def test_a_corrupted_head_is_reported(tmp_path: Path, accurate: EnsembleSentimentModel) -> None:
    copy = tmp_path / "accurate"
    shutil.copytree(MODELS_DIR / "accurate", copy)
    head = copy / "e5_head.npy"
    data = bytearray(head.read_bytes())
    data[-5] ^= 0x01
    head.write_bytes(bytes(data))
    assert isinstance(accurate.fast, LinearSentimentModel)
    with pytest.raises(ModelArtifactError, match=r"e5_head\.npy is corrupted"):
        load_accurate(copy, accurate.fast, {expert.kind: expert.encoder for expert in accurate.heads})


def test_the_combination_follows_the_fast_model_when_alpha_is_zero(accurate: EnsembleSentimentModel) -> None:
    fast_logits = np.array([[2.0, 0.0, -1.0]], dtype=np.float32)
    head_logits = np.array([[-5.0, 0.0, 5.0]], dtype=np.float32)
    first = accurate.heads[0]
    silent = EnsembleSentimentModel("t", accurate.fast, [replace(first, alpha=0.0)], np.zeros(3, np.float32))
    assert int(silent.combine(fast_logits, [head_logits]).argmax()) == 0
    loud = EnsembleSentimentModel("t", accurate.fast, [replace(first, alpha=3.0)], np.zeros(3, np.float32))
    assert int(loud.combine(fast_logits, [head_logits]).argmax()) == 2


def test_the_cascade_rescores_only_the_unsure_texts(accurate: EnsembleSentimentModel) -> None:
    cascade = load_default_model("cascade")
    assert isinstance(cascade, CascadeSentimentModel)
    assert 0.0 < cascade.margin < 1.0
    texts = [
        "Plage dégoûtante, des déchets partout et la mairie ne fait rien. Honteux !",
        "What a wonderful town, the old harbour is beautiful and people are so friendly!",
        "Le marché a lieu place de la République",
        "meh",
        "",
    ]
    fast_probs = accurate.fast.probabilities(texts)
    ensemble_probs = accurate.probabilities(texts)
    cascade_probs = cascade.probabilities(texts)
    unsure = decision_margin(fast_probs) < cascade.margin
    for row, text in enumerate(texts):
        expected = ensemble_probs[row] if unsure[row] and text.strip() else fast_probs[row]
        assert np.allclose(cascade_probs[row], expected, atol=1e-6), text
    assert [p.label for p in cascade.predict(texts[:2])] == ["negative", "positive"]
