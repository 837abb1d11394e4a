"""Normalisation cues: negation scope, litotes, ironic praise, the place-name placeholder."""

from __future__ import annotations

import pytest

from vigie.classifier.sentiment.normalise import normalise_post
from vigie.classifier.sentiment.places import PLACEHOLDER


def test_negation_marks_the_words_up_to_punctuation() -> None:
    assert normalise_post("Not good, actually quite poor") == "not ¬good , actually quite poor"
    assert normalise_post("Le service n'est pas bon.") == "le service n'est pas ¬bon ."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not bad", "emopos"),
        ("Not terrible, actually quite nice", "emopos , actually quite nice"),
        ("It isn't that bad", "it emopos"),
        ("not a bad idea", "emopos idea"),
        ("pas mal", "emopos"),
        ("c'est pas mauvais du tout", "c'est emopos du tout"),
        ("nicht schlecht!", "emopos !"),
        ("no está nada mal", "emopos"),
        ("non è male", "emopos"),
        ("não é mau", "emopos"),
    ],
)
def test_litotes_read_as_praise(text: str, expected: str) -> None:
    assert normalise_post(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le musée, franchement pas terrible", "le musée , franchement pas ¬terrible"),  # mediocre
        ("pas mal de monde sur la route", "pas ¬mal ¬de ¬monde sur la route"),  # quite a lot of
        ("pas mal d'accidents", "pas ¬mal ¬d'accidents"),
        ("not a good idea, bad day", "not ¬a ¬good ¬idea , bad day"),
    ],
)
def test_what_is_not_a_litotes_keeps_its_negation(text: str, expected: str) -> None:
    assert normalise_post(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oh great, another oil spill", "oh ¬great , another oil spill"),
        ("Super, encore une grève 👏", "¬super , encore une grève 👏"),
        ("Thanks, yet another delay", "¬thanks , yet another delay"),
        ("Génial... encore un bouchon", "¬génial .. encore un bouchon"),
    ],
)
def test_ironic_praise_reads_as_negated(text: str, expected: str) -> None:
    assert normalise_post(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Great, the beach is open again", "Great day, another swim tomorrow", "What a great show, again and again"],
)
def test_sincere_praise_is_left_alone(text: str) -> None:
    assert "¬" not in normalise_post(text)


def test_the_place_placeholder_only_separates_words() -> None:
    assert normalise_post(f"Vols vers {PLACEHOLDER} retardés") == "vols vers retardés"
    assert normalise_post(f"{PLACEHOLDER}{PLACEHOLDER}") == ""
