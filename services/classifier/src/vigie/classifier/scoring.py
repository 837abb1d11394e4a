"""Raw mentions to scored mentions: language identification then batched sentiment.

One pure function used by the classifier service and by ``vigie backtest``, so both score identically.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vigie.classifier.sentiment.protocol import LanguageIdentifier, SentimentModel
from vigie.schemas import RawMention, ScoredMention, SentimentScores

_LANGUAGE_TAG = re.compile(r"^([a-z]{2,3}|und)$")


def scoring_text(mention: RawMention) -> str:
    """What the models read: the text, or the title when a post has no text."""
    return mention.text if mention.text.strip() else (mention.title or "")


def _detected(guess_language: str, declared: str | None) -> str:
    language = guess_language.lower()
    if language == "und" or not _LANGUAGE_TAG.match(language):
        return declared if declared is not None else "und"
    return language


def _probability(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def score_mentions(
    model: SentimentModel, language_identifier: LanguageIdentifier, mentions: Sequence[RawMention]
) -> list[ScoredMention]:
    """Score a batch in order: the identified language (the declared one when the identifier is unsure,
    ``und`` when neither knows) guides the sentiment model."""
    if not mentions:
        return []
    texts = [scoring_text(mention) for mention in mentions]
    guesses = language_identifier.identify(texts)
    languages = [_detected(guess.language, mention.language) for guess, mention in zip(guesses, mentions, strict=True)]
    predictions = model.predict(texts, [None if language == "und" else language for language in languages])
    scored = []
    for mention, language, prediction in zip(mentions, languages, predictions, strict=True):
        fields = dict(mention)
        scored.append(
            ScoredMention.model_construct(
                **fields,
                detected_language=language,
                sentiment=prediction.label,
                scores=SentimentScores(
                    negative=_probability(prediction.negative),
                    neutral=_probability(prediction.neutral),
                    positive=_probability(prediction.positive),
                ),
                model=model.name,
            )
        )
    return scored
