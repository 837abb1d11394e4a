"""Raw mentions to scored mentions: language identification then batched sentiment.

The sentiment model reads the text with the mention's matched territory terms neutralised
(:func:`~vigie.classifier.sentiment.places.neutralise_places`): a post about Nice is not praise, one about
Saint-Malo not a complaint. Language identification reads the text as written.

One pure function used by the classifier service and by ``vigie backtest``, so both score identically.

The scored mentions are built from values that are valid by construction (a validated raw mention's own
field values, an identified language tag, clamped probabilities), so they are assembled the way pydantic's
``model_construct`` assembles a model whose every field is given, without its per-field look-ups: a fifth
of the classifier's per-mention scoring cost otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from vigie.classifier.sentiment.language import CONFIDENT
from vigie.classifier.sentiment.places import neutralise_places
from vigie.classifier.sentiment.protocol import LanguageGuess, LanguageIdentifier, SentimentModel
from vigie.schemas import RawMention, ScoredMention, SentimentScores

_LANGUAGE_TAG = re.compile(r"^([a-z]{2,3}|und)$")
_new_attribute = object.__setattr__
M = TypeVar("M", bound=BaseModel)


def construct(model: type[M], values: dict[str, Any]) -> M:
    """``model.model_construct(**values)`` for a ``values`` dict naming every field of ``model`` in order
    (no aliases, defaults, extras or private attributes to handle); ``values`` becomes the instance's dict."""
    instance = model.__new__(model)
    _new_attribute(instance, "__dict__", values)
    _new_attribute(instance, "__pydantic_fields_set__", set(values))
    _new_attribute(instance, "__pydantic_extra__", None)
    _new_attribute(instance, "__pydantic_private__", None)
    return instance


def scoring_text(mention: RawMention) -> str:
    """What the models read: the text, or the title when a post has no text."""
    return mention.text if mention.text.strip() else (mention.title or "")


def _detected(guess: LanguageGuess, declared: str | None) -> str:
    """The identified language; the declared one when the identifier has no answer or a weak one."""
    language = guess.language.lower()
    if language == "und" or not _LANGUAGE_TAG.match(language) or (guess.confidence < CONFIDENT and declared):
        return declared if declared is not None else "und"
    return language


def _probability(value: float) -> float:
    probability = float(value)
    if probability != probability:
        raise ValueError("the sentiment model gave a NaN probability")
    return min(max(probability, 0.0), 1.0)


def score_mentions(
    model: SentimentModel, language_identifier: LanguageIdentifier, mentions: Sequence[RawMention]
) -> list[ScoredMention]:
    """Score a batch in order: the identified language (the declared one when the identifier is unsure,
    ``und`` when neither knows) guides the sentiment model, which reads each text with the mention's matched
    territory terms neutralised."""
    if not mentions:
        return []
    texts = [scoring_text(mention) for mention in mentions]
    guesses = language_identifier.identify(texts)
    languages = [_detected(guess, mention.language) for guess, mention in zip(guesses, mentions, strict=True)]
    neutral_texts = [
        neutralise_places(text, mention.matched_terms) for text, mention in zip(texts, mentions, strict=True)
    ]
    predictions = model.predict(neutral_texts, [None if language == "und" else language for language in languages])
    scored = []
    name = model.name
    for mention, language, prediction in zip(mentions, languages, predictions, strict=True):
        fields = dict(mention.__dict__)  # a model's dict holds exactly its fields (extra fields are forbidden)
        fields["detected_language"] = language
        fields["sentiment"] = prediction.label
        fields["scores"] = construct(
            SentimentScores,
            {
                "negative": _probability(prediction.negative),
                "neutral": _probability(prediction.neutral),
                "positive": _probability(prediction.positive),
            },
        )
        fields["model"] = name
        scored.append(construct(ScoredMention, fields))
    return scored
