"""The shipped model and language identifier load and answer in the documented shape."""

from __future__ import annotations

import pytest

from vigie.classifier.sentiment import LinearSentimentModel, load_default_model, load_language_identifier


@pytest.fixture(scope="module")
def model() -> LinearSentimentModel:
    loaded = load_default_model()
    assert isinstance(loaded, LinearSentimentModel)
    return loaded


def test_clear_posts_get_the_obvious_label(model: LinearSentimentModel) -> None:
    texts = [
        "Plage dégoûtante, des déchets partout, la mairie ne fait rien. Honteux !",
        "What a wonderful town, the old harbour is beautiful and people are so friendly!",
    ]
    labels = [prediction.label for prediction in model.predict(texts, ["fr", "en"])]
    assert labels == ["negative", "positive"]


def test_language_identifier_names_the_languages() -> None:
    identifier = load_language_identifier()
    guesses = identifier.identify(["La piscine municipale est fermée jusqu'à lundi.", "The museum opens at nine."])
    assert [guess.language for guess in guesses] == ["fr", "en"]
