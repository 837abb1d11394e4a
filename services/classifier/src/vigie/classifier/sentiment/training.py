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
from vigie.classifier.sentiment.features import FeatureBatch, FeatureHasher, language_slot
from vigie.classifier.sentiment.linear_model import softmax
from vigie.classifier.sentiment.normalise import normalise_post
from vigie.classifier.sentiment.splitter import HashtagSplitter

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæñáíóúãõß")


@dataclass(frozen=True, slots=True)
class TrainingParameters:
    """Hyper-parameters (chosen on the validation splits; see MODEL_CARD.md)."""

    epochs: int = 4
    batch_size: int = 64
    learning_rate: float = 0.2
    l2: float = 1e-6
    seed: int = 20261127
    #: weight of each text per corpus name prefix (``xlmt-french`` matches ``xlmt-french-train``)
    corpus_weights: dict[str, float] = field(default_factory=dict)
    balance_classes: bool = True
    #: average the iterates (Polyak averaging) from this epoch on; None keeps the last iterate
    average_from_epoch: int | None = 1
    #: models trained with seeds seed, seed + 1, ... and averaged (less variance from the shuffling order)
    seeds: int = 3
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
    targets: F32 | None = None,
) -> tuple[F32, F32]:
    """Weights and bias of a softmax regression (see the module docstring). ``targets`` (n x 3 class
    probabilities) replaces the one-hot ``labels`` when given (soft labels, e.g. from a teacher model)."""
    rng = np.random.default_rng(parameters.seed)
    weights = np.zeros((dimension, 3), dtype=np.float32)
    squares = np.full((dimension, 3), 1e-8, dtype=np.float32)
    bias = np.zeros(3, dtype=np.float32)
    bias_squares = np.full(3, 1e-8, dtype=np.float32)
    onehot = targets if targets is not None else np.eye(3, dtype=np.float32)[labels]
    count = labels.size
    # mean iterate = W_0 + ((T + 1) * (W_T - W_0) + sum_t t * step_t) / T, W_t = W_{t-1} - step_t
    weighted_steps = np.zeros(weights.shape, dtype=np.float64) if parameters.average_from_epoch is not None else None
    bias_weighted_steps = np.zeros_like(bias)
    averaged_steps = 0
    start_weights = weights.copy()
    start_bias = bias.copy()
    for epoch in range(parameters.epochs):
        order = rng.permutation(count)
        averaging = weighted_steps is not None and epoch >= (parameters.average_from_epoch or 0)
        if averaging and averaged_steps == 0:
            start_weights = weights.copy()
            start_bias = bias.copy()
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
            step = parameters.learning_rate * gradient / np.sqrt(squares[unique])
            weights[unique] -= step
            bias_gradient = error.sum(axis=0)
            bias_squares += bias_gradient * bias_gradient
            bias_step = parameters.learning_rate * bias_gradient / np.sqrt(bias_squares)
            bias -= bias_step
            if averaging and weighted_steps is not None:
                averaged_steps += 1
                weighted_steps[unique] += averaged_steps * step
                bias_weighted_steps += averaged_steps * bias_step
        if on_epoch is not None:
            on_epoch(
                epoch,
                *_averaged(
                    weights, bias, weighted_steps, bias_weighted_steps, averaged_steps, start_weights, start_bias
                ),
            )
    return _averaged(weights, bias, weighted_steps, bias_weighted_steps, averaged_steps, start_weights, start_bias)


def _averaged(
    weights: F32,
    bias: F32,
    weighted_steps: npt.NDArray[np.float64] | None,
    bias_weighted_steps: F32,
    steps: int,
    start_weights: F32,
    start_bias: F32,
) -> tuple[F32, F32]:
    """The mean of the iterates since averaging began (W_0 = start), or the last iterate."""
    if weighted_steps is None or steps == 0:
        return weights, bias
    # iterates W_s = W_0 + D_s; mean over s=1..T of D_s = ((T + 1) D_T - sum t delta_t) / T
    mean_weights = start_weights + ((steps + 1) * (weights - start_weights) + weighted_steps) / steps
    mean_bias = start_bias + ((steps + 1) * (bias - start_bias) + bias_weighted_steps) / steps
    return mean_weights.astype(np.float32), mean_bias.astype(np.float32)


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
    """A validation corpus already featurised."""

    corpus: Corpus
    sparse: Sparse

    def score(self, logits: F32) -> float:
        return validation_score(self.corpus, logits)


def validation_score(corpus: Corpus, logits: F32) -> float:
    """The corpus's own metric: macro-recall for TweetEval, macro-F1 for UMSAB."""
    predicted = logits.argmax(axis=1).astype(np.int64)
    metric = macro_recall if corpus.name.startswith("tweeteval") else macro_f1
    return metric(corpus.labels, predicted)


def tune_offsets(
    logits: Sequence[F32], corpora: Sequence[Corpus], objective_weights: dict[str, float]
) -> tuple[F32, float]:
    """Decision offsets (negative and positive logits relative to neutral) that maximise the weighted mean
    of the validation figures; a coarse grid, then a finer one around the best point."""
    weight_of = [objective_weights.get(corpus.name, 0.0) for corpus in corpora]
    total = sum(weight_of) or 1.0

    def objective(offset: F32) -> float:
        return (
            sum(
                w * validation_score(corpus, lg + offset)
                for w, corpus, lg in zip(weight_of, corpora, logits, strict=True)
                if w
            )
            / total
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


@dataclass(frozen=True, slots=True)
class HeadParameters:
    """Hyper-parameters of the softmax head over sentence embeddings (``accurate`` preset)."""

    epochs: int = 12
    batch_size: int = 256
    learning_rate: float = 5e-3
    l2: float = 1e-4
    seed: int = 20261127


def fit_head(embeddings: F32, labels: I64, sample_weights: F32, parameters: HeadParameters) -> F32:
    """A (dimension + 1, 3) softmax regression (weights then bias) trained with Adam on dense inputs."""
    rng = np.random.default_rng(parameters.seed)
    dimension = embeddings.shape[1]
    head = np.zeros((dimension + 1, 3), dtype=np.float32)
    first = np.zeros_like(head)
    second = np.zeros_like(head)
    onehot = np.eye(3, dtype=np.float32)[labels]
    step = 0
    for _ in range(parameters.epochs):
        order = rng.permutation(labels.size)
        for start in range(0, labels.size, parameters.batch_size):
            batch = order[start : start + parameters.batch_size]
            inputs = embeddings[batch]
            logits = inputs @ head[:-1] + head[-1]
            error = (softmax(logits) - onehot[batch]) * sample_weights[batch, None] / batch.size
            gradient = np.empty_like(head)
            gradient[:-1] = inputs.T @ error + parameters.l2 * head[:-1]
            gradient[-1] = error.sum(axis=0)
            step += 1
            first = 0.9 * first + 0.1 * gradient
            second = 0.999 * second + 0.001 * gradient * gradient
            corrected = (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
            head -= (parameters.learning_rate * corrected).astype(np.float32)
    return head
