"""The one interface every consumer of sentiment uses: the classifier service, ``vigie classify`` and
``vigie backtest``. Implementations are pure (no Kafka, no network) and deterministic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from vigie.schemas import Sentiment


@dataclass(frozen=True, slots=True)
class Prediction:
    """A label and the three class probabilities (summing to 1)."""

    label: Sentiment
    negative: float
    neutral: float
    positive: float


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An ISO 639-1 code (``und`` when unsure) and the identifier's confidence in [0, 1]."""

    language: str
    confidence: float


class SentimentModel(Protocol):
    """Batched sentiment for short social texts."""

    #: Name and version, recorded on every scored mention (``ScoredMention.model``).
    name: str

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        """One prediction per text, in order. ``languages`` (same length, None = unknown) may guide the
        model; an empty or whitespace-only text is ``neutral``."""
        ...


class LanguageIdentifier(Protocol):
    """Language identification for short posts."""

    def identify(self, texts: Sequence[str]) -> list[LanguageGuess]:
        """One guess per text, in order."""
        ...
