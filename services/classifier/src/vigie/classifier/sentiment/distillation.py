"""Distillation of the sentence encoder into the ``fast`` model's word features.

The teacher is a softmax head over multilingual USE v3 embeddings, trained on the labelled corpora (the
same head as the ``accurate`` preset). It scores single words: the whole-word pieces of the encoder's
multilingual SentencePiece vocabulary plus the most frequent training words. Each word becomes an extra
training document for the ``fast`` model with the teacher's class probabilities as soft target, so words
rare or absent in the labelled tweets (most of the French, German... vocabulary) get a polarity learnt
from the encoder's multilingual space. Measured on validation: about +2 points of macro-F1 averaged over the
six European languages (see MODEL_CARD.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment.accurate import EMBEDDING_SIZE, SentenceEncoder
from vigie.classifier.sentiment.linear_model import softmax
from vigie.classifier.sentiment.training import Sparse

F32 = npt.NDArray[np.float32]
Progress = Callable[[str], None]
_WORD_PIECE = "▁"


@dataclass(frozen=True, slots=True)
class DistillationParameters:
    """How much the word documents weigh (each; a tweet weighs about 1) and the teacher's temperature."""

    word_weight: float = 3.0
    temperature: float = 1.0
    min_word_length: int = 3


def embed(encoder: SentenceEncoder, texts: Sequence[str], progress: Progress, label: str) -> F32:
    """Embeddings of ``texts`` in chunks, reporting progress."""
    parts: list[F32] = []
    chunk = 4096
    for start in range(0, len(texts), chunk):
        parts.append(encoder.encode(texts[start : start + chunk]))
        progress(f"embedded {min(start + chunk, len(texts))}/{len(texts)} {label} texts")
    return np.concatenate(parts) if parts else np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)


def encoder_words(encoder: SentenceEncoder, min_length: int) -> list[str]:
    """Lower-case alphabetic whole-word pieces of the encoder's SentencePiece vocabulary (none if the
    encoder does not expose one through a ``vocabulary()`` method)."""
    vocabulary = getattr(encoder, "vocabulary", None)
    if vocabulary is None:
        return []
    words: list[str] = []
    for piece in vocabulary():
        if piece.startswith(_WORD_PIECE):
            word = piece[len(_WORD_PIECE) :]
            if len(word) >= min_length and word.isalpha() and word.lower() == word:
                words.append(word)
    return words


def distillation_words(
    encoder: SentenceEncoder, training_words: Sequence[str], parameters: DistillationParameters
) -> list[str]:
    """The sorted union of the encoder's words and the training vocabulary."""
    words = set(encoder_words(encoder, parameters.min_word_length))
    words.update(word for word in training_words if len(word) >= parameters.min_word_length)
    return sorted(words)


def soft_targets(word_embeddings: F32, head: F32, temperature: float) -> F32:
    """The teacher's class probabilities for each word."""
    logits = (word_embeddings @ head[:-1] + head[-1]) / temperature
    return softmax(logits.astype(np.float32))


def concatenate(first: Sparse, second: Sparse) -> Sparse:
    """Rows of ``first`` then rows of ``second``."""
    return Sparse(
        np.concatenate([first.indptr, second.indptr[1:] + first.indptr[-1]]),
        np.concatenate([first.indices, second.indices]),
        np.concatenate([first.values, second.values]),
    )
