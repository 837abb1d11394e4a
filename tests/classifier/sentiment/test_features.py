"""The feature hasher accepts any text: U+0000 (its own separator) included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.classifier.sentiment import LinearSentimentModel
from vigie.classifier.sentiment.features import FeatureConfig, FeatureHasher, language_slot


def test_a_nul_character_is_read_as_a_space() -> None:
    hasher = FeatureHasher(FeatureConfig(bits=12))
    texts = ["ab\x00cd horrible", "ok"]
    batch = hasher.transform(texts, [language_slot("en")] * 2)
    reference = hasher.transform(["ab cd horrible", "ok"], [language_slot("en")] * 2)
    assert batch.size == 2
    assert np.array_equal(batch.rows, reference.rows)
    assert np.array_equal(batch.indices, reference.indices)


def test_the_model_scores_texts_with_nul(model: LinearSentimentModel) -> None:
    predictions = model.predict(["\x00", "plage\x00sale", "\x00\x00 superbe"], ["fr", None, "fr"])
    assert len(predictions) == 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6), st.sampled_from([None, "fr", "en", "zz"]))
def test_any_batch_gives_rows_within_it_and_per_text_features(texts: list[str], language: str | None) -> None:
    hasher = FeatureHasher(FeatureConfig(bits=12))
    slots = [language_slot(language)] * len(texts)
    batch = hasher.transform(texts, slots)
    assert batch.size == len(texts)
    assert batch.rows.size == 0 or (batch.rows.min() >= 0 and batch.rows.max() < len(texts))
    assert np.all(batch.indices < 1 << 12)
    for row, text in enumerate(texts):
        alone = hasher.transform([text], slots[:1])
        assert sorted(batch.indices[batch.rows == row].tolist()) == sorted(alone.indices.tolist())
