"""Territory names carry no sentiment: the scorer neutralises a mention's matched terms before scoring."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vigie.classifier.scoring import score_mentions
from vigie.classifier.sentiment import LanguageIdentifier, LinearSentimentModel
from vigie.classifier.sentiment.places import PLACEHOLDER, PlaceNames, neutralise_places
from vigie.schemas import RawMention, Source

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
#: place names that are also opinion words, with the terms a territory file would configure
PLACES = [
    ("Nice", ("Nice", "Nissa")),
    ("Orange", ("Orange",)),
    ("Tours", ("Tours",)),
    ("Bonneville", ("Bonneville",)),
    ("Belle-Île", ("Belle-Île", "Belle-Ile-en-Mer")),
    ("Beaune", ("Beaune",)),
    ("Saint-Malo", ("Saint-Malo", "SaintMalo")),
    ("#SaintMalo", ("Saint-Malo", "SaintMalo")),
    ("Mauvezin", ("Mauvezin",)),
    ("Paradis", ("Paradis",)),
]
SENTENCES = [
    "Flights to {} airport delayed by about 20 minutes",
    "Le conseil municipal de {} se réunit jeudi à 18h",
    "Arrivée à {} ce matin, direction la gare",
]


def _mention(text: str, terms: tuple[str, ...], index: int = 0) -> RawMention:
    return RawMention(
        mention_id=f"replay:test:{index}",
        native_id=str(index),
        source=Source(kind="replay", instance="test"),
        text=text,
        published_at=NOW,
        collected_at=NOW,
        territory_id="t",
        matched_terms=terms,
    )


def test_terms_are_found_without_case_accents_or_separators() -> None:
    places = PlaceNames(["Belle-Île", "Saint-Malo", "SaintMalo"])
    assert places.neutralise("Belle-Île, BELLE ILE et belle-ile") == f"{PLACEHOLDER}, {PLACEHOLDER} et {PLACEHOLDER}"
    assert places.neutralise("#SaintMalo #saintmalo @SaintMalo saint-malo") == " ".join([PLACEHOLDER] * 4)
    assert places.neutralise("Rien à voir") == "Rien à voir"


def test_a_capitalised_term_spares_the_lower_case_word() -> None:
    assert neutralise_places("Nice is nice, NICE!", ("Nice",)) == f"{PLACEHOLDER} is nice, {PLACEHOLDER}!"
    assert neutralise_places("Grand Tours of tours", ("tours",)) == f"Grand {PLACEHOLDER} of {PLACEHOLDER}"


def test_the_longest_term_wins_and_empty_terms_change_nothing() -> None:
    text = "Belle-Ile-en-Mer sous la pluie"
    assert neutralise_places(text, ("Belle-Ile", "Belle-Ile-en-Mer")) == f"{PLACEHOLDER} sous la pluie"
    assert neutralise_places(text, ()) == text
    assert neutralise_places(text, ("", "--")) == text


@pytest.mark.parametrize(("place", "terms"), PLACES)
def test_place_names_carry_no_sentiment_through_the_scorer(
    model: LinearSentimentModel, identifier: LanguageIdentifier, place: str, terms: tuple[str, ...]
) -> None:
    mentions = [_mention(sentence.format(place), terms, i) for i, sentence in enumerate(SENTENCES)]
    references = [_mention(sentence.format("Lyon"), ("Lyon",), i) for i, sentence in enumerate(SENTENCES)]
    scored = score_mentions(model, identifier, mentions)
    expected = score_mentions(model, identifier, references)
    for got, want in zip(scored, expected, strict=True):
        assert got.scores == want.scores, got.text
        assert got.sentiment == "neutral", got.text


def test_nice_is_neutral_only_when_it_is_the_territory(
    model: LinearSentimentModel, identifier: LanguageIdentifier
) -> None:
    text = "Flights to Nice airport delayed by about 20 minutes"
    with_terms, without_terms = score_mentions(model, identifier, [_mention(text, ("Nice",)), _mention(text, ())])
    assert with_terms.sentiment == "neutral"
    assert with_terms.scores.positive < without_terms.scores.positive
    assert with_terms.text == text  # the mention keeps its text; only the model reads the placeholder


def test_a_declared_language_beats_a_weak_guess(model: LinearSentimentModel, identifier: LanguageIdentifier) -> None:
    (guess,) = identifier.identify(["pas mal"])
    assert guess.confidence < 0.5
    mention = _mention("pas mal", ()).model_copy(update={"language": "fr"})
    (scored,) = score_mentions(model, identifier, [mention])
    assert scored.detected_language == "fr"
