"""Behaviour of the shipped ``fast`` model on posts written for these tests (places and public services)."""

from __future__ import annotations

import math

import pytest

from vigie.classifier.sentiment import (
    DEFAULT_PRESET,
    CascadeSentimentModel,
    EnsembleSentimentModel,
    LinearSentimentModel,
    ModelArtifactError,
    load_default_model,
)

NEGATIVE = [
    ("fr", "Plage dégoûtante, des déchets partout et la mairie ne fait rien. Honteux !"),
    ("fr", "Encore une grève, aucun bus depuis ce matin, c'est insupportable 😡"),
    ("fr", "Accueil horrible à l'office de tourisme, je ne reviendrai jamais."),
    ("en", "Terrible experience at the town hall, rude staff and hours of waiting. Awful."),
    ("en", "The beach is disgusting, sewage everywhere, worst holiday ever"),
    ("es", "Pésimo servicio en el ayuntamiento, una vergüenza, nunca más."),
    ("de", "Katastrophe! Der Bahnhof ist schmutzig und die Züge sind ständig verspätet. Schrecklich."),
    ("it", "Che schifo questa spiaggia, sporca e piena di rifiuti. Vergogna!"),
    ("pt", "Péssimo atendimento na prefeitura, uma vergonha, horrível."),
]
POSITIVE = [
    ("fr", "Magnifique journée au festival, bravo à la ville pour cette superbe organisation ! 😍"),
    ("fr", "Le nouveau parc est génial, merci à la mairie, j'adore 👏"),
    ("en", "What a wonderful town, the old harbour is beautiful and people are so friendly!"),
    ("en", "Loved the museum, amazing exhibition and great staff. Highly recommend!"),
    ("es", "¡Qué ciudad tan bonita! Me encanta, la playa es maravillosa."),
    ("de", "Wunderschöne Altstadt, tolles Essen und super freundliche Leute. Ich liebe es!"),
    ("it", "Città bellissima, mare stupendo e gente fantastica. Grazie!"),
    ("pt", "Cidade linda, praia maravilhosa, adorei tudo! Obrigado!"),
]
NEUTRAL = [
    ("fr", "La mairie sera fermée lundi 3 juin, réouverture mardi à 9h."),
    ("fr", "Conseil municipal ce jeudi à 18h30 salle des fêtes, ordre du jour en ligne."),
    ("en", "The library opens at 9am on Saturdays and closes at 5pm."),
    ("en", "Bus line 4 will stop at the station from Monday."),
]


def _labels(model: LinearSentimentModel, posts: list[tuple[str, str]]) -> list[str]:
    return [p.label for p in model.predict([text for _, text in posts], [language for language, _ in posts])]


@pytest.mark.parametrize(("language", "text"), NEGATIVE)
def test_clear_negative_posts_are_negative(model: LinearSentimentModel, language: str, text: str) -> None:
    assert _labels(model, [(language, text)]) == ["negative"]


@pytest.mark.parametrize(("language", "text"), POSITIVE)
def test_clear_positive_posts_are_positive(model: LinearSentimentModel, language: str, text: str) -> None:
    assert _labels(model, [(language, text)]) == ["positive"]


@pytest.mark.parametrize(("language", "text"), NEUTRAL)
def test_factual_announcements_are_neutral(model: LinearSentimentModel, language: str, text: str) -> None:
    assert _labels(model, [(language, text)]) == ["neutral"]


def test_the_language_is_optional(model: LinearSentimentModel) -> None:
    texts = [NEGATIVE[0][1], POSITIVE[2][1]]
    assert [p.label for p in model.predict(texts)] == ["negative", "positive"]
    assert [p.label for p in model.predict(texts, [None, "zz"])] == ["negative", "positive"]


def test_negation_flips_english(model: LinearSentimentModel) -> None:
    good, not_good = model.predict(["The new tram is good", "The new tram is not good"], ["en", "en"])
    assert good.label == "positive"
    assert not_good.label == "negative"
    assert not_good.positive < good.positive


def test_not_bad_is_less_negative_than_bad(model: LinearSentimentModel) -> None:
    bad, not_bad = model.predict(["The food at the market was bad", "The food at the market was not bad"], ["en", "en"])
    assert bad.label == "negative"
    assert not_bad.negative < bad.negative


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "not bad"), ("en", "Not terrible, actually quite nice"), ("fr", "pas mal"), ("de", "Nicht schlecht")],
)
def test_litotes_are_positive(model: LinearSentimentModel, language: str, text: str) -> None:
    assert _labels(model, [(language, text)]) == ["positive"]


def test_pas_terrible_stays_negative(model: LinearSentimentModel) -> None:
    assert _labels(model, [("fr", "Le nouveau musée, franchement pas terrible")]) == ["negative"]


def test_french_negation(model: LinearSentimentModel) -> None:
    bon, pas_bon = model.predict(["Le service est bon", "Le service n'est pas bon"], ["fr", "fr"])
    assert bon.label == "positive"
    assert pas_bon.label == "negative"
    # "pas terrible" means mediocre in French: a complaint, not praise
    (pas_terrible,) = model.predict(["Le nouveau musée, franchement pas terrible"], ["fr"])
    assert pas_terrible.label == "negative"


def test_emoji_only_posts(model: LinearSentimentModel) -> None:
    angry, happy = model.predict(["😡😡😡", "😍👏"])
    assert angry.label == "negative"
    assert happy.label == "positive"


def test_empty_and_blank_texts_are_neutral(model: LinearSentimentModel) -> None:
    predictions = model.predict(["", "   ", "\t\n"])
    assert [p.label for p in predictions] == ["neutral"] * 3
    assert all(p.neutral == 1.0 for p in predictions)


def test_probabilities_are_a_distribution_and_match_the_label(model: LinearSentimentModel) -> None:
    texts = [text for _, text in NEGATIVE + POSITIVE + NEUTRAL]
    for prediction in model.predict(texts):
        scores = {"negative": prediction.negative, "neutral": prediction.neutral, "positive": prediction.positive}
        assert math.isclose(sum(scores.values()), 1.0, abs_tol=1e-5)
        assert all(0.0 <= value <= 1.0 for value in scores.values())
        assert max(scores, key=lambda name: scores[name]) == prediction.label


def test_very_long_input(model: LinearSentimentModel) -> None:
    long_text = "La plage est sale et les services sont nuls. " * 5000 + "🤬"
    predictions = model.predict([long_text, "Superbe plage !"], ["fr", "fr"])
    assert [p.label for p in predictions] == ["negative", "positive"]


def test_batching_does_not_change_answers(model: LinearSentimentModel) -> None:
    group = [text for _, text in NEGATIVE + POSITIVE + NEUTRAL]
    texts = group * 150  # several internal chunks
    one_by_one = [model.predict([text])[0] for text in group]
    batched = model.predict(texts)
    assert batched[: len(group)] == one_by_one
    assert batched[-len(group) :] == one_by_one


def test_mismatched_languages_are_refused(model: LinearSentimentModel) -> None:
    with pytest.raises(ValueError, match="languages"):
        model.predict(["a", "b"], ["fr"])


def test_the_model_has_a_versioned_name(model: LinearSentimentModel) -> None:
    assert model.name.startswith("vigie-sentiment-fast-")


def test_presets_load_the_model_they_name() -> None:
    assert DEFAULT_PRESET == "fast"
    assert isinstance(load_default_model("accurate"), EnsembleSentimentModel)
    assert isinstance(load_default_model("cascade"), CascadeSentimentModel)
    with pytest.raises(ModelArtifactError, match="unknown sentiment preset"):
        load_default_model("turbo")
