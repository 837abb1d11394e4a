"""The ``fast`` sentiment model: a multinomial logistic regression over hashed n-gram features.

Prediction is a handful of numpy operations per batch (see :mod:`features`); the Python work per text is the
normalisation. Deterministic: same texts and languages, same predictions, in any process.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment.features import FeatureBatch, FeatureConfig, FeatureHasher, language_slot
from vigie.classifier.sentiment.normalise import normalise_post
from vigie.classifier.sentiment.protocol import Prediction
from vigie.classifier.sentiment.splitter import HashtagSplitter
from vigie.schemas import Sentiment

LABELS: tuple[Sentiment, Sentiment, Sentiment] = ("negative", "neutral", "positive")
F32 = npt.NDArray[np.float32]
#: Only the beginning of a longer text is scored (social posts are short; this bounds the cost of a huge line).
MAX_CHARACTERS = 2000
#: Texts scored together: larger batches are split so that the feature arrays stay in cache, and so that
#: their memory stays bounded (about 250 bytes of arrays per character: 16 MB for a chunk of 64k characters).
_CHUNK = 1024
_CHUNK_CHARACTERS = 1 << 16


def chunks(texts: Sequence[str]) -> list[tuple[int, int]]:
    """``(start, end)`` ranges of at most ``_CHUNK`` texts and ``_CHUNK_CHARACTERS`` scored characters (or
    one text), in order; a text's features do not depend on the texts scored with it."""
    ranges: list[tuple[int, int]] = []
    start, characters = 0, 0
    for index, text in enumerate(texts):
        size = min(len(text), MAX_CHARACTERS)
        if index > start and (index - start >= _CHUNK or characters + size > _CHUNK_CHARACTERS):
            ranges.append((start, index))
            start, characters = index, 0
        characters += size
    if start < len(texts):
        ranges.append((start, len(texts)))
    return ranges


def softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: npt.NDArray[np.float32] = exp / exp.sum(axis=1, keepdims=True)
    return result


def neutralise_blank(texts: Sequence[str], probs: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Empty or whitespace-only texts are certainly neutral (in place; returns ``probs``)."""
    blank = [i for i, text in enumerate(texts) if not text.strip()]
    if blank:
        probs[blank] = (0.0, 1.0, 0.0)
    return probs


def to_predictions(probs: npt.NDArray[np.float32]) -> list[Prediction]:
    """One :class:`Prediction` per row of an (n, 3) probability array."""
    winners = probs.argmax(axis=1).tolist()
    return [
        Prediction(LABELS[winner], negative, neutral, positive)
        for winner, (negative, neutral, positive) in zip(winners, probs.tolist(), strict=True)
    ]


class LinearSentimentModel:
    """Implements :class:`~vigie.classifier.sentiment.protocol.SentimentModel`.

    ``weights`` has one row per hashed feature and one column per class (negative, neutral, positive);
    ``bias`` is added to every text's logits (it includes the decision offsets tuned on validation data).
    The weights are held in the dtype given: the shipped model's are float16 (half the memory of float32,
    and the same logits, float16 values being exact in float32 where they are multiplied).
    """

    def __init__(
        self,
        name: str,
        config: FeatureConfig,
        weights: npt.NDArray[np.floating],
        bias: F32,
        splitter: HashtagSplitter | None = None,
    ) -> None:
        if weights.shape != (config.dimension, 3):
            raise ValueError(f"weights of shape {weights.shape} do not fit {config.dimension} features x 3 classes")
        self.name = name
        self.config = config
        self.bias = bias.astype(np.float32)
        self.splitter = splitter
        self._hasher = FeatureHasher(config)
        # one contiguous vector per class (gathering from each is about twice as fast as gathering rows), and
        # only those: the (features x 3) matrix is rebuilt on demand
        self._columns = [np.ascontiguousarray(weights[:, column]) for column in range(3)]

    @property
    def weights(self) -> npt.NDArray[np.floating]:
        """The (features x 3) weight matrix (a new array)."""
        return np.stack(self._columns, axis=1)

    def normalise(self, texts: Sequence[str]) -> list[str]:
        split = self.splitter.split if self.splitter is not None else None
        return [normalise_post(text[:MAX_CHARACTERS], split) for text in texts]

    def features(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> FeatureBatch:
        """Features of raw ``texts`` (normalised here)."""
        slots = [language_slot(language) for language in languages] if languages is not None else None
        return self._hasher.transform(self.normalise(texts), slots)

    def logits(self, batch: FeatureBatch) -> F32:
        out = np.empty((batch.size, 3), dtype=np.float32)
        for column, weights in enumerate(self._columns):
            gathered = weights[batch.indices].astype(np.float32)  # exact for float16 weights
            out[:, column] = np.bincount(batch.rows, weights=gathered * batch.values, minlength=batch.size)
        out += self.bias
        return out

    def probabilities(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> F32:
        """An (n, 3) array of class probabilities; empty or blank texts are certainly neutral."""
        if languages is not None and len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        probs = np.empty((len(texts), 3), dtype=np.float32)
        for start, end in chunks(texts):
            chunk_languages = languages[start:end] if languages is not None else None
            probs[start:end] = softmax(self.logits(self.features(texts[start:end], chunk_languages)))
        return neutralise_blank(texts, probs)

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        return to_predictions(self.probabilities(texts, languages))
