"""Cross-validation over train + val, per language: the only place where settings are chosen.

The pools are the UMSAB train and val splits of each language joined (2,163 texts each) and the TweetEval
validation split (2,000); SemEval English is always training data and never scored. Each pool is cut into
``k`` folds stratified by label (fixed seed).

The corpora overlap: UMSAB English val is entirely inside TweetEval val, and UMSAB English train 78% inside
it; about a quarter of UMSAB English train is also in SemEval English (compared by :func:`duplicate_key`:
letters only, without mentions, URLs and the literal ``\\uXXXX`` escapes of UMSAB). So a text keeps one fold
across every pool (its first pool's), and SemEval texts that also occur in a pool are left out of the
cross-validation training sets; otherwise a "held-out" text is learnt through its duplicate. For each fold the ``fast`` recipe is trained, with its
teacher, on SemEval plus every other fold of every pool, and scores the held-out fold: every text of every
pool gets one out-of-fold prediction from a model that never saw it.

Settings chosen on those out-of-fold logits are *cross-fitted* so that the reported figure is not tuned on
itself: the decision offsets (and, for ``accurate``, the weight α of the sentence-encoder head) applied to
fold ``f`` are those that maximise the objective on the other folds. The shipped settings are those that
maximise it on all folds. Hyper-parameters of the recipe are compared on the cross-validated figures (see
MODEL_CARD.md), never on one split.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment import datasets
from vigie.classifier.sentiment.accurate import SentenceEncoder, log_softmax
from vigie.classifier.sentiment.datasets import Corpus
from vigie.classifier.sentiment.distillation import embed
from vigie.classifier.sentiment.features import FeatureHasher
from vigie.classifier.sentiment.recipe import (
    Recipe,
    TeacherInputs,
    figures,
    fit_weights,
    teacher_inputs,
    training_corpora,
)
from vigie.classifier.sentiment.training import (
    HeadParameters,
    Sparse,
    TrainingParameters,
    featurise,
    fit_head,
    hashtag_vocabulary,
    sample_weights,
    sparse_logits,
    tune_offsets,
)

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
Progress = Callable[[str], None]
#: pools whose figures the settings maximise, with their weights: French and English first (UMSAB English
#: comes from the same source as the TweetEval test split), the other European languages so that they do not
#: regress. TweetEval val shares its period with the SemEval training tweets: half weight.
CV_OBJECTIVE: dict[str, float] = {
    "xlmt-french": 1.0,
    "xlmt-english": 1.0,
    "tweeteval-val": 0.5,
    "xlmt-german": 0.25,
    "xlmt-spanish": 0.25,
    "xlmt-italian": 0.25,
    "xlmt-portuguese": 0.25,
}
DEFAULT_FOLDS = 5
FOLD_SEED = 20261203


def pools(root: Path) -> list[Corpus]:
    """UMSAB train + val per language (named ``xlmt-<language>``), then TweetEval val."""
    joined = []
    for folder in datasets.XLMT_LANGUAGES:
        train, val = datasets.xlmt(root, folder, "train"), datasets.xlmt(root, folder, "val")
        joined.append(
            Corpus(
                f"xlmt-{folder}",
                train.texts + val.texts,
                np.concatenate([train.labels, val.labels]),
                train.languages + val.languages,
            )
        )
    return [*joined, datasets.tweeteval_validation(root)]


_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")
_MENTION_OR_URL = re.compile(r"@\w+|https?://\S+|\bhttp\b")
_NOT_LETTER = re.compile(r"[\W\d_]+")


def duplicate_key(text: str) -> str:
    """What two copies of a tweet share across corpora: its letters, lower-cased, without mentions, URLs
    and literal ``\\uXXXX`` escapes (empty for a text without letters)."""
    return _NOT_LETTER.sub("", _MENTION_OR_URL.sub("", _ESCAPE.sub("", text)).lower())


def grouped_folds(corpora: Sequence[Corpus], k: int, seed: int = FOLD_SEED) -> list[I64]:
    """Folds per pool (:func:`assign_folds`) where a text already seen in an earlier pool keeps its fold."""
    known: dict[str, int] = {}
    result = []
    for corpus in corpora:
        keys = [duplicate_key(text) for text in corpus.texts]
        folds = np.full(len(corpus), -1, dtype=np.int64)
        for row, key in enumerate(keys):
            if key and key in known:
                folds[row] = known[key]
        fresh = np.flatnonzero(folds < 0)
        folds[fresh] = assign_folds(corpus.labels[fresh], k, seed)
        for row, key in enumerate(keys):
            if key:
                known.setdefault(key, int(folds[row]))
        result.append(folds)
    return result


def assign_folds(labels: I64, k: int, seed: int = FOLD_SEED) -> I64:
    """A fold in ``0..k-1`` per text, each class spread evenly over the folds in a seeded random order."""
    rng = np.random.default_rng(seed)
    folds = np.empty(labels.size, dtype=np.int64)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        folds[rng.permutation(members)] = np.arange(members.size) % k
    return folds


def subset(corpus: Corpus, rows: I64) -> Corpus:
    return Corpus(
        corpus.name, [corpus.texts[i] for i in rows], corpus.labels[rows], [corpus.languages[i] for i in rows]
    )


def select_rows(sparse: Sparse, rows: I64) -> Sparse:
    """The CSR rows ``rows`` of ``sparse``, in that order."""
    starts, ends = sparse.indptr[rows], sparse.indptr[rows + 1]
    lengths = ends - starts
    positions = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(lengths.sum())
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    return Sparse(indptr, sparse.indices[positions], sparse.values[positions])


def stack(parts: Sequence[Sparse]) -> Sparse:
    indptrs = [parts[0].indptr]
    for part in parts[1:]:
        indptrs.append(part.indptr[1:] + indptrs[-1][-1])
    return Sparse(
        np.concatenate(indptrs),
        np.concatenate([part.indices for part in parts]),
        np.concatenate([part.values for part in parts]),
    )


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """Out-of-fold logits of every pool text: the ``fast`` model's (without offsets) and, when an encoder
    was given, the sentence-encoder head's."""

    k: int
    pools: list[Corpus]
    folds: list[I64]
    fast_logits: list[F32]
    head_logits: list[F32] | None


def cross_validate(
    root: Path,
    recipe: Recipe,
    k: int = DEFAULT_FOLDS,
    progress: Progress = lambda _: None,
    encoder: SentenceEncoder | None = None,
    seeds: int | None = 1,
) -> CrossValidation:
    """Out-of-fold predictions of ``recipe`` (see the module docstring). ``encoder`` is required for a
    recipe with distillation; with one, the head of ``accurate`` is cross-validated too. ``seeds``: shuffling
    seeds averaged per fold (1 by default, to train k models in reasonable time: a slightly pessimistic
    estimate of a recipe that averages more; None keeps the recipe's)."""
    if seeds is not None:
        recipe = replace(recipe, parameters=replace(recipe.parameters, seeds=seeds))
    if recipe.distillation is not None and encoder is None:
        raise ValueError("a recipe with distillation needs a sentence encoder")
    corpora = pools(root)
    folds = grouped_folds(corpora, k)
    in_pools = {duplicate_key(text) for corpus in corpora for text in corpus.texts} - {""}
    semeval_all = datasets.semeval_english(root)
    semeval = subset(
        semeval_all,
        np.array([i for i, t in enumerate(semeval_all.texts) if duplicate_key(t) not in in_pools], dtype=np.int64),
    )
    progress(f"{len(semeval_all) - len(semeval)} SemEval texts also in a pool: left out of cross-validation")
    vocabulary_texts = [text for corpus in training_corpora(root) for text in corpus.texts]
    splitter = hashtag_vocabulary(vocabulary_texts, recipe.parameters.hashtag_vocabulary)
    hasher = FeatureHasher(recipe.features)
    progress("featurising the pools")
    semeval_sparse = featurise(hasher, splitter, semeval.texts, list(semeval.languages))
    pool_sparse = [featurise(hasher, splitter, c.texts, list(c.languages)) for c in corpora]
    semeval_embeddings: F32 | None = None
    pool_embeddings: list[F32] = []
    vocabulary: TeacherInputs | None = None
    if encoder is not None:
        semeval_embeddings = embed(encoder, semeval.texts, progress, semeval.name)
        pool_embeddings = [embed(encoder, c.texts, progress, c.name) for c in corpora]
        if recipe.distillation is not None:
            vocabulary = teacher_inputs(recipe, encoder, hasher, splitter, [], progress)
    fast_logits = [np.zeros((len(c), 3), dtype=np.float32) for c in corpora]
    head_logits = [np.zeros((len(c), 3), dtype=np.float32) for c in corpora] if encoder is not None else None
    for fold in range(k):
        progress(f"fold {fold + 1}/{k}")
        kept = [np.flatnonzero(f != fold) for f in folds]
        held = [np.flatnonzero(f == fold) for f in folds]
        train_sets = [semeval] + [subset(c, rows) for c, rows in zip(corpora, kept, strict=True)]
        sparse = stack([semeval_sparse] + [select_rows(s, rows) for s, rows in zip(pool_sparse, kept, strict=True)])
        labels = np.concatenate([c.labels for c in train_sets])
        weights = sample_weights(train_sets, recipe.parameters)
        teacher: TeacherInputs | None = None
        if vocabulary is not None and semeval_embeddings is not None:
            embeddings = np.concatenate(
                [semeval_embeddings] + [e[rows] for e, rows in zip(pool_embeddings, kept, strict=True)]
            )
            teacher = replace(vocabulary, text_embeddings=embeddings)
        fast_weights, bias, head = fit_weights(recipe, sparse, labels, weights, teacher, progress)
        if head is None and semeval_embeddings is not None:
            embeddings = np.concatenate(
                [semeval_embeddings] + [e[rows] for e, rows in zip(pool_embeddings, kept, strict=True)]
            )
            head = fit_head(embeddings, labels, weights, recipe.teacher)
        for index, rows in enumerate(held):
            fast_logits[index][rows] = sparse_logits(fast_weights, bias, select_rows(pool_sparse[index], rows))
            if head_logits is not None and head is not None:
                head_logits[index][rows] = pool_embeddings[index][rows] @ head[:-1] + head[-1]
    return CrossValidation(k, corpora, folds, fast_logits, head_logits)


def _restricted(
    logits: Sequence[F32], corpora: Sequence[Corpus], rows: Sequence[I64]
) -> tuple[list[F32], list[Corpus]]:
    return [lg[r] for lg, r in zip(logits, rows, strict=True)], [
        subset(c, r) for c, r in zip(corpora, rows, strict=True)
    ]


def cross_fitted_offsets(
    cv: CrossValidation, logits: Sequence[F32], objective: dict[str, float] = CV_OBJECTIVE
) -> tuple[list[F32], F32, float]:
    """The logits with offsets chosen on the other folds, and the offsets (and objective) chosen on all."""
    adjusted = [lg.copy() for lg in logits]
    for fold in range(cv.k):
        others = [np.flatnonzero(f != fold) for f in cv.folds]
        offsets, _ = tune_offsets(*_restricted(logits, cv.pools, others), objective)
        for index, f in enumerate(cv.folds):
            adjusted[index][f == fold] += offsets
    offsets, value = tune_offsets(logits, cv.pools, objective)
    return adjusted, offsets, value


def combine(fast_logits: F32, head_logits: Sequence[F32], alphas: Sequence[float]) -> F32:
    """The ``accurate`` product of experts before offsets (one α per sentence-encoder head)."""
    result: F32 = log_softmax(fast_logits)
    for logits, alpha in zip(head_logits, alphas, strict=True):
        result = result + alpha * log_softmax(logits)
    return result


def cross_validated_head(
    cv: CrossValidation,
    embeddings: Sequence[F32],
    parameters: HeadParameters,
    corpus_weights: dict[str, float] | None = None,
    trained_on: Callable[[str], bool] = lambda name: name.startswith("xlmt-"),
) -> list[F32]:
    """Out-of-fold logits of a softmax head over sentence ``embeddings`` (one array per pool, rows aligned
    with its texts): for each fold, a class-balanced head is trained on the other folds of the pools whose
    name ``trained_on`` accepts (by default the UMSAB pools, train + val: the shipped head trains on UMSAB
    train) and scores the held-out fold of every pool."""
    logits = [np.zeros((len(c), 3), dtype=np.float32) for c in cv.pools]
    chosen = [index for index, corpus in enumerate(cv.pools) if trained_on(corpus.name)]
    for fold in range(cv.k):
        kept = {index: np.flatnonzero(cv.folds[index] != fold) for index in chosen}
        train_sets = [subset(cv.pools[index], rows) for index, rows in kept.items()]
        weights = sample_weights(train_sets, TrainingParameters(corpus_weights=corpus_weights or {}))
        head = fit_head(
            np.concatenate([embeddings[index][rows] for index, rows in kept.items()]),
            np.concatenate([c.labels for c in train_sets]),
            weights,
            parameters,
        )
        for index, folds in enumerate(cv.folds):
            held = np.flatnonzero(folds == fold)
            logits[index][held] = embeddings[index][held] @ head[:-1] + head[-1]
    return logits


def cross_fitted_ensemble(
    cv: CrossValidation,
    fast_offsets: F32,
    alphas: Sequence[tuple[float, ...]],
    objective: dict[str, float] = CV_OBJECTIVE,
    head_logits: Sequence[Sequence[F32]] | None = None,
) -> tuple[list[F32], tuple[float, ...], F32]:
    """Out-of-fold ``accurate`` logits with the αs (one per head, a candidate tuple of ``alphas``) and
    offsets chosen on the other folds; the αs and offsets chosen on all folds. The fast logits carry the
    fast model's own offsets, as in the shipped ensemble. ``head_logits``: per head, the out-of-fold logits
    of every pool (default: the one head of ``cv``)."""
    if head_logits is None:
        if cv.head_logits is None:
            raise ValueError("no head logits: cross-validate with an encoder")
        head_logits = [cv.head_logits]
    heads = head_logits
    candidates = {
        alpha: [
            combine(f + fast_offsets, [head[index] for head in heads], alpha) for index, f in enumerate(cv.fast_logits)
        ]
        for alpha in alphas
    }

    def best(rows: Sequence[I64]) -> tuple[tuple[float, ...], F32]:
        chosen: tuple[tuple[float, ...], float, F32] | None = None
        for alpha, logits in candidates.items():
            offsets, value = tune_offsets(*_restricted(logits, cv.pools, rows), objective)
            if chosen is None or value > chosen[1] + 1e-9:
                chosen = (alpha, value, offsets)
        assert chosen is not None
        return chosen[0], chosen[2]

    adjusted = [np.zeros_like(f) for f in cv.fast_logits]
    for fold in range(cv.k):
        alpha, offsets = best([np.flatnonzero(f != fold) for f in cv.folds])
        for index, f in enumerate(cv.folds):
            adjusted[index][f == fold] = candidates[alpha][index][f == fold] + offsets
    alpha, offsets = best([np.arange(len(c)) for c in cv.pools])
    return adjusted, alpha, offsets


#: Macro-F1 and macro-recall per pool of cross-validated logits: the same figures as on a validation split.
cv_figures = figures
