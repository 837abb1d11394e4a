"""The recipe of the shipped ``fast`` model: which corpora, features and hyper-parameters, and how the
decision offsets are tuned. ``vigie train-sentiment`` runs it; MODEL_CARD.md documents it.

Training data: SemEval 2013-2016 English tweets and the UMSAB train splits of all eight languages (one
multilingual model; word features are also crossed with the text's language). Validation: the UMSAB val
splits and TweetEval val, used for the number of epochs (fixed here) and the decision offsets only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vigie.classifier.sentiment import datasets
from vigie.classifier.sentiment.features import FeatureConfig, FeatureHasher
from vigie.classifier.sentiment.linear_model import LinearSentimentModel
from vigie.classifier.sentiment.training import (
    TrainingParameters,
    ValidationSet,
    featurise,
    fit,
    hashtag_vocabulary,
    sparse_logits,
    tune_offsets,
)

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Recipe:
    """Everything that defines a trained model besides the data files."""

    name: str = "vigie-sentiment-fast-1"
    features: FeatureConfig = field(default_factory=FeatureConfig)
    parameters: TrainingParameters = field(default_factory=TrainingParameters)
    #: validation sets whose figures the decision offsets maximise, with their weights
    objective: dict[str, float] = field(
        default_factory=lambda: {"xlmt-french-val": 1.0, "xlmt-english-val": 1.0, "tweeteval-val": 0.5}
    )


def validation_figures(model_logits: dict[str, Any], sets: list[ValidationSet]) -> dict[str, dict[str, float]]:
    from vigie.classifier.sentiment.evaluation import macro_f1, macro_recall

    figures: dict[str, dict[str, float]] = {}
    for item in sets:
        predicted = model_logits[item.corpus.name].argmax(axis=1).astype(np.int64)
        figures[item.corpus.name] = {
            "macro_f1": round(macro_f1(item.corpus.labels, predicted), 4),
            "macro_recall": round(macro_recall(item.corpus.labels, predicted), 4),
            "texts": len(item.corpus),
        }
    return figures


def train(
    root: Path, recipe: Recipe, progress: Progress = lambda _: None
) -> tuple[LinearSentimentModel, dict[str, Any]]:
    """Train on the corpora under ``root`` (shared/data/sentiment); returns the model and its metadata."""
    started = time.perf_counter()
    train_sets = [datasets.semeval_english(root)] + [
        datasets.xlmt(root, folder, "train") for folder in datasets.XLMT_LANGUAGES
    ]
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
    from vigie.classifier.sentiment.training import sample_weights

    weights_per_text = sample_weights(train_sets, recipe.parameters)

    def on_epoch(epoch: int, weights: Any, bias: Any) -> None:
        french = next(v for v in validation if v.corpus.name == "xlmt-french-val")
        progress(
            f"epoch {epoch + 1}: french val macro-F1 {french.score(sparse_logits(weights, bias, french.sparse)):.4f}"
        )

    weights, bias = fit(sparse, labels, weights_per_text, recipe.features.dimension, recipe.parameters, on_epoch)
    weights = weights.astype(np.float16).astype(np.float32)  # evaluate exactly what is shipped
    offsets, objective = tune_offsets(weights, bias, validation, recipe.objective)
    bias = (bias + offsets).astype(np.float32)
    figures = validation_figures(
        {v.corpus.name: sparse_logits(weights, bias, v.sparse) for v in validation}, validation
    )
    model = LinearSentimentModel(recipe.name, recipe.features, weights, bias, splitter)
    metadata: dict[str, Any] = {
        "parameters": {k: v for k, v in asdict(recipe.parameters).items()},
        "objective": recipe.objective,
        "decision_offsets": [round(float(x), 4) for x in offsets],
        "objective_value": round(objective, 4),
        "training_texts": {corpus.name: len(corpus) for corpus in train_sets},
        "validation": figures,
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return model, metadata
