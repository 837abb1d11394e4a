"""``vigie train-sentiment``: train both sentiment presets from the public corpora (shared/data/sentiment)
and write their artifacts with sha256 manifests. Reproducible: fixed seeds and folds, same data -> same
weights.

Settings are chosen by k-fold cross-validation over train + val, per language (``sentiment/crossval.py``):
the ``fast`` model's decision offsets and the ``accurate`` preset's α and offsets maximise the
cross-validated objective, and the cross-validated figures (each fold scored with settings chosen on the
other folds) are written into each ``model.json``. Then ``fast`` is trained on the train splits (SemEval
English + UMSAB train) with a sentence-encoder teacher (distillation), and ``accurate``'s head on the same
texts; the val splits are only scored.

The sentence encoder (multilingual USE v3) embeds some 150,000 texts and words: minutes on one core.
``--cache DIR`` keeps those embeddings between runs (a training aid; nothing shipped reads it).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from vigie.classifier.sentiment import MODELS_DIR
from vigie.classifier.sentiment.accurate import SentenceEncoder, UniversalSentenceEncoder, decision_margin, save_head
from vigie.classifier.sentiment.artifact import ModelArtifactError, save_model
from vigie.classifier.sentiment.crossval import (
    CV_OBJECTIVE,
    DEFAULT_FOLDS,
    cross_fitted_ensemble,
    cross_fitted_offsets,
    cross_validate,
    cv_figures,
)
from vigie.classifier.sentiment.datasets import DatasetError
from vigie.classifier.sentiment.embedding_cache import CachedEncoder
from vigie.classifier.sentiment.linear_model import softmax
from vigie.classifier.sentiment.recipe import AccurateRecipe, Recipe, train, train_accurate


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train-sentiment",
        help="train the sentiment presets from shared/data/sentiment",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"), help="corpora folder")
    parser.add_argument(
        "--out", type=Path, default=MODELS_DIR, help="models folder: writes <out>/fast and <out>/accurate"
    )
    parser.add_argument("--folds", type=int, default=DEFAULT_FOLDS, help="cross-validation folds (default 5)")
    parser.add_argument("--cache", type=Path, default=None, help="folder keeping sentence embeddings between runs")
    parser.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    parser.set_defaults(func=run)


def _progress(message: str) -> None:
    print(f"train-sentiment: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    command = f"vigie train-sentiment --data {args.data} --out {args.out} --folds {args.folds}"
    recipe = Recipe()
    accurate = AccurateRecipe()
    if args.seed is not None:
        command += f" --seed {args.seed}"
        recipe = replace(recipe, parameters=replace(recipe.parameters, seed=args.seed))
        accurate = replace(accurate, head=replace(accurate.head, seed=args.seed))
    encoder: SentenceEncoder = UniversalSentenceEncoder()
    if args.cache is not None:
        encoder = CachedEncoder(encoder, args.cache)
    try:
        started = time.perf_counter()
        _progress(f"cross-validating over {args.folds} folds")
        cv = cross_validate(args.data, recipe, args.folds, _progress, encoder)
        fast_cv, offsets, objective = cross_fitted_offsets(cv, cv.fast_logits)
        accurate_cv, alpha, accurate_offsets = cross_fitted_ensemble(cv, offsets, accurate.alphas)
        protocol = {
            "folds": args.folds,
            "pools": "UMSAB train+val per language, TweetEval val; SemEval English always in training",
            "objective": CV_OBJECTIVE,
            "seconds": round(time.perf_counter() - started, 1),
        }
        fast, metadata = train(args.data, recipe, _progress, encoder, offsets)
        metadata["cross_validation"] = {
            **protocol,
            "objective_value": round(objective, 4),
            "figures": cv_figures(cv.pools, fast_cv),
        }
        save_model(fast, args.out / "fast", {"training_command": command, **metadata})
        ensemble, accurate_metadata = train_accurate(
            args.data, fast, accurate, alpha, accurate_offsets, _progress, encoder
        )
        accurate_metadata["cross_validation"] = {**protocol, "figures": cv_figures(cv.pools, accurate_cv)}
        margins = [decision_margin(softmax(logits)) for logits in fast_cv]
        margin = float(np.quantile(np.concatenate(margins), accurate.cascade_share))
        cascade_cv = [
            np.where((m < margin)[:, None], a, f) for m, a, f in zip(margins, accurate_cv, fast_cv, strict=True)
        ]
        accurate_metadata["cascade"] = {
            "margin": round(margin, 4),
            "share": accurate.cascade_share,
            "cross_validation": {**protocol, "figures": cv_figures(cv.pools, cascade_cv)},
        }
        save_head(ensemble, args.out / "accurate", {"training_command": command, **accurate_metadata})
    except (DatasetError, ModelArtifactError) as exc:
        _progress(str(exc))
        return 1
    for preset, document in (
        ("fast", metadata),
        ("accurate", accurate_metadata),
        ("cascade", accurate_metadata["cascade"]),
    ):
        for name, figures in document["cross_validation"]["figures"].items():
            _progress(
                f"{preset} {name} cross-validated: macro-F1 {figures['macro_f1']:.4f} "
                f"macro-recall {figures['macro_recall']:.4f}"
            )
    _progress(f"wrote {args.out / 'fast'} and {args.out / 'accurate'}")
    return 0
