"""Training of the ``fast`` model in pure numpy: multinomial logistic regression on hashed features with
class-balanced, source-weighted mini-batch AdaGrad and lazy L2 regularisation, followed by decision offsets
tuned on validation splits only. Every random choice comes from one seeded generator: the same data, the
same hyper-parameters and the same seed give the same weights.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment.datasets import Corpus
from vigie.classifier.sentiment.evaluation import macro_f1, macro_recall
from vigie.classifier.sentiment.features import FeatureBatch, FeatureConfig, FeatureHasher, language_slot
from vigie.classifier.sentiment.linear_model import LinearSentimentModel, softmax
from vigie.classifier.sentiment.normalise import normalise_post
from vigie.classifier.sentiment.splitter import HashtagSplitter

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæñáíóúãõß")


@dataclass(frozen=True, slots=True)
class TrainingParameters:
    """Hyper-parameters (chosen on the validation splits; see MODEL_CARD.md)."""

    epochs: int = 6
    batch_size: int = 64
    learning_rate: float = 0.2
    l2: float = 1e-6
    seed: int = 20261127
    #: weight of each text per corpus name prefix (``xlmt-french`` matches ``xlmt-french-train``)
    corpus_weights: dict[str, float] = field(default_factory=dict)
    balance_classes: bool = True
    hashtag_vocabulary: int = 60000


@dataclass(frozen=True, slots=True)
class Sparse:
    """CSR rows of a feature batch."""

    indptr: I64
    indices: I64
    values: F32


def to_csr(batch: FeatureBatch) -> Sparse:
    order = np.argsort(batch.rows, kind="stable")
    counts = np.bincount(batch.rows, minlength=batch.size)
    indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return Sparse(indptr, batch.indices[order], batch.values[order])


def hashtag_vocabulary(texts: Sequence[str], size: int) -> HashtagSplitter:
    """Most frequent plain words of the training texts."""
    counts: Counter[str] = Counter()
    for text in texts:
        for word in text.lower().split():
            if len(word) >= 2 and all(char in _WORD_CHARS for char in word):
                counts[word] += 1
    return HashtagSplitter(dict(counts.most_common(size)))


def featurise(
    hasher: FeatureHasher, splitter: HashtagSplitter, texts: Sequence[str], languages: Sequence[str | None]
) -> Sparse:
    normalised = [normalise_post(text, splitter.split) for text in texts]
    rows: list[I64] = []
    indices: list[I64] = []
    values: list[F32] = []
    chunk = 4096
    for start in range(0, len(texts), chunk):
        batch = hasher.transform(
            normalised[start : start + chunk], [language_slot(lang) for lang in languages[start : start + chunk]]
        )
        rows.append(batch.rows + start)
        indices.append(batch.indices)
        values.append(batch.values)
    return to_csr(FeatureBatch(len(texts), np.concatenate(rows), np.concatenate(indices), np.concatenate(values)))


def _gather(sparse: Sparse, documents: I64) -> tuple[I64, I64, F32]:
    starts = sparse.indptr[documents]
    lengths = sparse.indptr[documents + 1] - starts
    local_rows = np.repeat(np.arange(documents.size), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = np.repeat(starts, lengths) + offsets
    return local_rows, sparse.indices[positions], sparse.values[positions]


def sparse_logits(weights: F32, bias: F32, sparse: Sparse) -> F32:
    size = sparse.indptr.size - 1
    rows = np.repeat(np.arange(size), np.diff(sparse.indptr))
    gathered = weights[sparse.indices]
    out = np.empty((size, 3), dtype=np.float32)
    for column in range(3):
        out[:, column] = np.bincount(rows, weights=gathered[:, column] * sparse.values, minlength=size)
    return out + bias


def fit(
    sparse: Sparse,
    labels: I64,
    sample_weights: F32,
    dimension: int,
    parameters: TrainingParameters,
    on_epoch: Callable[[int, F32, F32], None] | None = None,
) -> tuple[F32, F32]:
    """Weights and bias of a softmax regression (see the module docstring)."""
    rng = np.random.default_rng(parameters.seed)
    weights = np.zeros((dimension, 3), dtype=np.float32)
    squares = np.full((dimension, 3), 1e-8, dtype=np.float32)
    bias = np.zeros(3, dtype=np.float32)
    bias_squares = np.full(3, 1e-8, dtype=np.float32)
    onehot = np.eye(3, dtype=np.float32)[labels]
    count = labels.size
    for epoch in range(parameters.epochs):
        order = rng.permutation(count)
        for start in range(0, count, parameters.batch_size):
            documents = order[start : start + parameters.batch_size]
            rows, indices, values = _gather(sparse, documents)
            size = documents.size
            gathered = weights[indices]
            logits = np.empty((size, 3), dtype=np.float32)
            for column in range(3):
                logits[:, column] = np.bincount(rows, weights=gathered[:, column] * values, minlength=size)
            logits += bias
            error = (softmax(logits) - onehot[documents]) * sample_weights[documents, None]
            unique, inverse = np.unique(indices, return_inverse=True)
            entry_gradient = error[rows] * values[:, None]
            gradient = np.empty((unique.size, 3), dtype=np.float32)
            for column in range(3):
                gradient[:, column] = np.bincount(inverse, weights=entry_gradient[:, column], minlength=unique.size)
            gradient += parameters.l2 * weights[unique]
            squares[unique] += gradient * gradient
            weights[unique] -= parameters.learning_rate * gradient / np.sqrt(squares[unique])
            bias_gradient = error.sum(axis=0)
            bias_squares += bias_gradient * bias_gradient
            bias -= parameters.learning_rate * bias_gradient / np.sqrt(bias_squares)
        if on_epoch is not None:
            on_epoch(epoch, weights, bias)
    return weights, bias


def sample_weights(corpora: Sequence[Corpus], parameters: TrainingParameters) -> F32:
    """Per-text weights: the corpus weight times, if balancing, the inverse class frequency of its corpus."""
    parts: list[F32] = []
    for corpus in corpora:
        weight = 1.0
        for prefix, value in parameters.corpus_weights.items():
            if corpus.name.startswith(prefix):
                weight = value
        if parameters.balance_classes:
            frequencies = np.bincount(corpus.labels, minlength=3) / max(1, len(corpus))
            per_class = np.divide(1.0 / 3.0, frequencies, out=np.zeros(3), where=frequencies > 0)
            parts.append((weight * per_class[corpus.labels]).astype(np.float32))
        else:
            parts.append(np.full(len(corpus), weight, dtype=np.float32))
    return np.concatenate(parts)


@dataclass(frozen=True, slots=True)
class ValidationSet:
    """A validation corpus already featurised, with the metric it is judged on."""

    corpus: Corpus
    sparse: Sparse

    @property
    def metric_name(self) -> str:
        return "macro_recall" if self.corpus.name.startswith("tweeteval") else "macro_f1"

    def score(self, logits: F32) -> float:
        predicted = logits.argmax(axis=1).astype(np.int64)
        metric = macro_recall if self.metric_name == "macro_recall" else macro_f1
        return metric(self.corpus.labels, predicted)


def tune_offsets(
    weights: F32, bias: F32, validation: Sequence[ValidationSet], objective_weights: dict[str, float]
) -> tuple[F32, float]:
    """Decision offsets (negative and positive logits relative to neutral) that maximise the weighted mean
    of the validation figures; a coarse grid, then a finer one around the best point."""
    logits = [sparse_logits(weights, bias, item.sparse) for item in validation]
    weight_of = [objective_weights.get(item.corpus.name, 0.0) for item in validation]
    total = sum(weight_of) or 1.0

    def objective(offset: F32) -> float:
        return (
            sum(w * item.score(lg + offset) for w, item, lg in zip(weight_of, validation, logits, strict=True)) / total
        )

    best = np.zeros(3, dtype=np.float32)
    best_value = objective(best)
    for step, span in ((0.1, 10), (0.02, 5)):
        centre = best.copy()
        for i in range(-span, span + 1):
            for j in range(-span, span + 1):
                candidate = centre + np.array([i * step, 0.0, j * step], dtype=np.float32)
                value = objective(candidate)
                if value > best_value + 1e-9:
                    best, best_value = candidate, value
    return best, best_value


def build_model(
    name: str, config: FeatureConfig, weights: F32, bias: F32, splitter: HashtagSplitter
) -> LinearSentimentModel:
    return LinearSentimentModel(name, config, weights, bias, splitter)
