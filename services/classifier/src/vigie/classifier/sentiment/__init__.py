"""Sentiment and language for short social posts.

``load_default_model()`` returns the shipped ``fast`` model (verified against its sha256 manifest);
``load_language_identifier()`` a batched py3langid identifier restricted to Vigie's languages.
"""

from __future__ import annotations

from pathlib import Path

from vigie.classifier.sentiment.accurate import EnsembleSentimentModel, load_accurate
from vigie.classifier.sentiment.artifact import ModelArtifactError, load_model
from vigie.classifier.sentiment.language import DEFAULT_LANGUAGES, UNDETERMINED, Py3LangidIdentifier
from vigie.classifier.sentiment.linear_model import LABELS, LinearSentimentModel
from vigie.classifier.sentiment.protocol import LanguageGuess, LanguageIdentifier, Prediction, SentimentModel

#: Where the shipped models live (package data, so they load from site-packages).
MODELS_DIR = Path(__file__).resolve().parent / "models"
#: Shipped presets: ``fast`` (default, tens of thousands of texts/s) and ``accurate`` (fast combined with a
#: multilingual sentence-encoder head, a few hundred texts/s).
PRESETS: tuple[str, ...] = ("fast", "accurate")
DEFAULT_PRESET = "fast"


def load_default_model(preset: str = DEFAULT_PRESET) -> SentimentModel:
    """The shipped sentiment model of ``preset``; raises :class:`ModelArtifactError` if it is corrupted."""
    if preset not in PRESETS:
        raise ModelArtifactError(f"unknown sentiment preset {preset!r}; choose one of {', '.join(PRESETS)}")
    fast = load_model(MODELS_DIR / "fast")
    if preset == "accurate":
        return load_accurate(MODELS_DIR / "accurate", fast)
    return fast


def load_language_identifier() -> LanguageIdentifier:
    """The default language identifier (``und`` when unsure)."""
    return Py3LangidIdentifier()


__all__ = [
    "DEFAULT_LANGUAGES",
    "DEFAULT_PRESET",
    "LABELS",
    "MODELS_DIR",
    "PRESETS",
    "UNDETERMINED",
    "EnsembleSentimentModel",
    "LanguageGuess",
    "LanguageIdentifier",
    "LinearSentimentModel",
    "ModelArtifactError",
    "Prediction",
    "Py3LangidIdentifier",
    "SentimentModel",
    "load_default_model",
    "load_language_identifier",
]
