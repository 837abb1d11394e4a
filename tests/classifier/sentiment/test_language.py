"""Language identification of short posts, batched, with ``und`` when unsure."""

from __future__ import annotations

from py3langid.langid import MODEL_FILE
from py3langid.langid import LanguageIdentifier as Py3Langid

from vigie.classifier.sentiment import DEFAULT_LANGUAGES, LanguageIdentifier

POSTS = {
    "fr": "La piscine municipale est fermée jusqu'à lundi pour travaux, désolé pour la gêne.",
    "en": "The museum is closed on Mondays, but the gardens are open every day.",
    "es": "El ayuntamiento ha cerrado la playa por la contaminación del agua.",
    "de": "Der Weihnachtsmarkt in der Altstadt ist dieses Jahr wunderschön.",
    "it": "Il comune ha chiuso la spiaggia per l'inquinamento dell'acqua.",
    "pt": "A prefeitura fechou a praia por causa da poluição da água.",
}


def test_supported_languages_are_recognised(identifier: LanguageIdentifier) -> None:
    guesses = identifier.identify(list(POSTS.values()))
    assert [guess.language for guess in guesses] == list(POSTS)
    assert all(0.5 <= guess.confidence <= 1.0 for guess in guesses)


def test_no_letters_means_undetermined(identifier: LanguageIdentifier) -> None:
    guesses = identifier.identify(["", "   ", "😡😡😡", "12:30 !!!", "http"])
    assert [guess.language for guess in guesses[:4]] == ["und"] * 4


def test_batched_answers_equal_py3langid_one_by_one(identifier: LanguageIdentifier) -> None:
    reference = Py3Langid.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(DEFAULT_LANGUAGES))
    texts = [*POSTS.values(), "ok", "Grève SNCF demain !!", "lol", "x" * 3000, "Ça va? Très bien, merci."] * 3
    ours = identifier.identify(texts)
    for text, guess in zip(texts, ours, strict=True):
        language, confidence = reference.classify(text[:1024])
        if guess.language != "und":
            assert guess.language == language, text
        assert abs(guess.confidence - confidence) < 1e-3, text


def test_order_and_length_are_kept(identifier: LanguageIdentifier) -> None:
    texts = [POSTS["de"], "", POSTS["fr"]] * 700
    guesses = identifier.identify(texts)
    assert len(guesses) == len(texts)
    assert [g.language for g in guesses[:3]] == ["de", "und", "fr"]
    assert guesses[3:6] == guesses[:3]
    assert identifier.identify([]) == []


def test_a_text_with_words_is_never_undetermined(identifier: LanguageIdentifier) -> None:
    guesses = identifier.identify(["Not terrible, actually quite nice", "pas mal", "ok", "http"])
    assert guesses[0].language == "en"
    assert all(guess.language != "und" for guess in guesses)
    assert all(0.0 < guess.confidence <= 1.0 for guess in guesses)
