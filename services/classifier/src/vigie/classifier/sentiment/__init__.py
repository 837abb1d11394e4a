"""Sentiment and language for short social posts.

``load_default_model()`` returns the shipped ``fast`` model (verified against its sha256 manifest);
``load_language_identifier()`` a batched py3langid identifier restricted to Vigie's languages.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from pathlib import Path

from vigie.classifier.sentiment.accurate import (
    CascadeSentimentModel,
    EnsembleSentimentModel,
    load_accurate,
    load_cascade,
)
from vigie.classifier.sentiment.artifact import ModelArtifactError, load_model
from vigie.classifier.sentiment.features import LANGUAGE_SLOTS
from vigie.classifier.sentiment.language import DEFAULT_LANGUAGES, UNDETERMINED, Py3LangidIdentifier
from vigie.classifier.sentiment.linear_model import LABELS, LinearSentimentModel
from vigie.classifier.sentiment.protocol import LanguageGuess, LanguageIdentifier, Prediction, SentimentModel

#: Where the shipped models live (package data, so they load from site-packages).
MODELS_DIR = Path(__file__).resolve().parent / "models"
#: Shipped presets: ``fast`` (the service's default, tens of thousands of texts/s), ``accurate`` (fast combined
#: with a head over multilingual-e5-small embeddings, about 20 texts/s a core) and ``cascade`` (fast for every
#: text, accurate again for the least sure quarter: about 60 texts/s a core). See MODEL_CARD.md.
PRESETS: tuple[str, ...] = ("fast", "accurate", "cascade")
#: The languages the shipped models were trained on (each has its own language-crossed features).
MODEL_LANGUAGES: tuple[str, ...] = LANGUAGE_SLOTS[1:]
DEFAULT_PRESET = "fast"


def load_default_model(preset: str = DEFAULT_PRESET) -> SentimentModel:
    """The shipped sentiment model of ``preset``; raises :class:`ModelArtifactError` if it is corrupted."""
    if preset not in PRESETS:
        raise ModelArtifactError(f"unknown sentiment preset {preset!r}; choose one of {', '.join(PRESETS)}")
    fast = _shipped_fast()
    if preset == "accurate":
        return load_accurate(MODELS_DIR / "accurate", fast)
    if preset == "cascade":
        return load_cascade(MODELS_DIR / "accurate", fast)
    release_scratch_memory()
    return fast


@functools.cache
def _shipped_fast() -> LinearSentimentModel:
    """The shipped ``fast`` model, loaded once per process: the models are immutable, and a worker that scores
    with ``fast`` and re-scores with ``accurate`` (the decision cascade) shares its ~25 MB of weights."""
    return load_model(MODELS_DIR / "fast")


def load_language_identifier() -> LanguageIdentifier:
    """The default language identifier (``und`` when unsure)."""
    identifier = Py3LangidIdentifier()
    release_scratch_memory()
    return identifier


def release_scratch_memory() -> None:
    """Give the memory a loader freed back to the system. glibc keeps freed heap pages for reuse, and
    loading py3langid's model frees several times the size of what is kept (the decompressed model, the
    copies it makes): without this the worker carries some 40 MB it never uses again."""
    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return
    trim(0)


__all__ = [
    "DEFAULT_LANGUAGES",
    "DEFAULT_PRESET",
    "LABELS",
    "MODELS_DIR",
    "MODEL_LANGUAGES",
    "PRESETS",
    "UNDETERMINED",
    "CascadeSentimentModel",
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
    "release_scratch_memory",
]
