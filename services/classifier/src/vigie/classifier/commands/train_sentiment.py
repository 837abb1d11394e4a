"""``vigie train-sentiment``: train both sentiment presets from the public corpora (shared/data/sentiment)
and write their artifacts with sha256 manifests. Reproducible: fixed seeds and folds, same data -> same
weights.

Settings are chosen by k-fold cross-validation over train + val, per language (``sentiment/crossval.py``):
the ``fast`` model's decision offsets and the ``accurate`` preset's αs and offsets maximise the
cross-validated objective, and the cross-validated figures (each fold scored with settings chosen on the
other folds) are written into each ``model.json``. Then ``fast`` is trained on the train splits (SemEval
English + UMSAB train) with a sentence-encoder teacher (multilingual USE v3, distillation), and
``accurate``'s heads (multilingual-e5-small: UMSAB train of the six European languages) on the train splits;
the val splits are only scored.

USE embeds some 150,000 texts and words (minutes on one core), e5 the 19,000 pool texts (about 16 minutes of
an idle core). ``--cache DIR`` keeps those embeddings between runs (USE in DIR, e5 in DIR/e5; a training
aid, nothing shipped reads it).
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
from vigie.classifier.sentiment.accurate import SentenceEncoder, decision_margin, make_encoder, save_head
from vigie.classifier.sentiment.artifact import ModelArtifactError, save_model
from vigie.classifier.sentiment.crossval import (
    CV_OBJECTIVE,
    DEFAULT_FOLDS,
    CrossValidation,
    cross_fitted_ensemble,
    cross_fitted_offsets,
    cross_validate,
    cross_validated_head,
    cv_figures,
)
from vigie.classifier.sentiment.datasets import DatasetError
from vigie.classifier.sentiment.distillation import F32, embed
from vigie.classifier.sentiment.embedding_cache import CachedEncoder
from vigie.classifier.sentiment.linear_model import LinearSentimentModel, softmax
from vigie.classifier.sentiment.recipe import AccurateRecipe, HeadRecipe, Recipe, train, train_accurate


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


def heads_cross_validated(
    cv: CrossValidation, spec: HeadRecipe, encoder: SentenceEncoder, accurate: AccurateRecipe
) -> list[F32]:
    """Out-of-fold logits of one ``accurate`` head: the USE head's come with the cross-validation of the
    ``fast`` teacher (trained on SemEval and the other folds of every pool); another encoder's head is
    trained on the other folds of the UMSAB pools of its languages (as the shipped one on their train splits)."""
    if spec.encoder == "use" and spec.with_semeval and cv.head_logits is not None:
        return cv.head_logits
    embeddings = [embed(encoder, corpus.texts, _progress, f"{spec.encoder} {corpus.name}") for corpus in cv.pools]
    return cross_validated_head(cv, embeddings, spec.parameters, accurate.corpus_weights, spec.learns_from)


def train_from_cross_validation(
    data: Path,
    out: Path,
    cv: CrossValidation,
    recipe: Recipe,
    accurate: AccurateRecipe,
    encoders: dict[str, SentenceEncoder],
    command: str,
    cv_seconds: float,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Choose the settings on the cross-validation ``cv`` of ``recipe`` (see the module docstring), train
    both presets and write them into ``out``; returns their metadata."""
    started = time.perf_counter()
    fast_cv, offsets, objective = cross_fitted_offsets(cv, cv.fast_logits)
    protocol = {
        "folds": cv.k,
        "pools": "UMSAB train+val per language, TweetEval val; SemEval English always in training",
        "objective": CV_OBJECTIVE,
        "seconds": round(cv_seconds + time.perf_counter() - started, 1),
    }
    fast, metadata = train(data, recipe, _progress, encoders["use"], offsets)
    metadata["cross_validation"] = {
        **protocol,
        "objective_value": round(objective, 4),
        "figures": cv_figures(cv.pools, fast_cv),
    }
    save_model(fast, out / "fast", {"training_command": command, **metadata})
    accurate_metadata = train_accurate_from_cross_validation(
        data, out, cv, fast_cv, fast, offsets, accurate, encoders, command, protocol
    )
    return metadata, accurate_metadata


def train_accurate_from_cross_validation(
    data: Path,
    out: Path,
    cv: CrossValidation,
    fast_cv: list[F32],
    fast: LinearSentimentModel,
    fast_offsets: F32,
    accurate: AccurateRecipe,
    encoders: dict[str, SentenceEncoder],
    command: str,
    protocol: dict[str, Any],
) -> dict[str, Any]:
    """The ``accurate`` heads and the ``cascade`` margin: αs and offsets chosen on ``cv`` (``fast_cv``: the
    fast model's cross-fitted out-of-fold logits, ``fast_offsets`` its offsets), heads trained on the train
    splits around ``fast``, written into ``out / "accurate"``; returns the metadata written."""
    head_cv = [heads_cross_validated(cv, spec, encoders[spec.encoder], accurate) for spec in accurate.heads]
    accurate_cv, alphas, accurate_offsets = cross_fitted_ensemble(
        cv, fast_offsets, accurate.alphas, head_logits=head_cv
    )
    ensemble, metadata = train_accurate(data, fast, accurate, alphas, accurate_offsets, _progress, encoders)
    metadata["cross_validation"] = {**protocol, "figures": cv_figures(cv.pools, accurate_cv)}
    margins = [decision_margin(softmax(logits)) for logits in fast_cv]
    margin = float(np.quantile(np.concatenate(margins), accurate.cascade_share))
    cascade_cv = [np.where((m < margin)[:, None], a, f) for m, a, f in zip(margins, accurate_cv, fast_cv, strict=True)]
    metadata["cascade"] = {
        "margin": round(margin, 4),
        "share": accurate.cascade_share,
        "cross_validation": {**protocol, "figures": cv_figures(cv.pools, cascade_cv)},
    }
    save_head(ensemble, out / "accurate", {"training_command": command, **metadata})
    return metadata


def run(args: argparse.Namespace) -> int:
    command = f"vigie train-sentiment --data {args.data} --out {args.out} --folds {args.folds}"
    recipe = Recipe()
    accurate = AccurateRecipe()
    if args.seed is not None:
        command += f" --seed {args.seed}"
        recipe = replace(recipe, parameters=replace(recipe.parameters, seed=args.seed))
        accurate = replace(
            accurate,
            heads=tuple(replace(h, parameters=replace(h.parameters, seed=args.seed)) for h in accurate.heads),
        )
    encoders: dict[str, SentenceEncoder] = {}
    for kind in dict.fromkeys(["use", *(spec.encoder for spec in accurate.heads)]):
        encoders[kind] = make_encoder(kind)
        if args.cache is not None:  # the USE cache at the top for compatibility, the others in sub-folders
            encoders[kind] = CachedEncoder(encoders[kind], args.cache if kind == "use" else args.cache / kind)
    try:
        started = time.perf_counter()
        _progress(f"cross-validating over {args.folds} folds")
        cv = cross_validate(args.data, recipe, args.folds, _progress, encoders["use"])
        metadata, accurate_metadata = train_from_cross_validation(
            args.data, args.out, cv, recipe, accurate, encoders, command, time.perf_counter() - started
        )
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
