"""One shipped model and one identifier per test module (loading is the slow part)."""

from __future__ import annotations

import pytest

from vigie.classifier.sentiment import (
    LanguageIdentifier,
    LinearSentimentModel,
    load_default_model,
    load_language_identifier,
)


@pytest.fixture(scope="module")
def model() -> LinearSentimentModel:
    loaded = load_default_model()
    assert isinstance(loaded, LinearSentimentModel)
    return loaded


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return load_language_identifier()
