"""``vigie train-sentiment``: train a sentiment preset from the public corpora (shared/data/sentiment) and
write its artifact with a sha256 manifest. Reproducible: fixed seeds, same data -> same weights.

``--preset fast`` (default) trains the hashed n-gram model on the labelled tweets and on words scored by a
sentence-encoder teacher (distillation; embedding the corpora takes several minutes on one core).
``--preset accurate`` embeds the corpora with the multilingual Universal Sentence Encoder and trains the head
that is combined with the fast model given by ``--fast-model`` (default: the shipped one).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from vigie.classifier.sentiment import MODELS_DIR, PRESETS
from vigie.classifier.sentiment.accurate import save_head
from vigie.classifier.sentiment.artifact import ModelArtifactError, load_model, save_model
from vigie.classifier.sentiment.datasets import DatasetError
from vigie.classifier.sentiment.recipe import AccurateRecipe, Recipe, train, train_accurate


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train-sentiment",
        help="train a sentiment preset from shared/data/sentiment",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"), help="corpora folder")
    parser.add_argument("--out", type=Path, required=True, help="model directory to write")
    parser.add_argument("--preset", choices=PRESETS, default="fast", help="which model to train")
    parser.add_argument("--fast-model", type=Path, default=MODELS_DIR / "fast", help="fast model for accurate")
    parser.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    parser.add_argument(
        "--no-distillation",
        action="store_true",
        help="fast: train on the labelled tweets only (no sentence encoder; quicker, about 2 points lower)",
    )
    parser.set_defaults(func=run)


def _progress(message: str) -> None:
    print(f"train-sentiment: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    command = f"vigie train-sentiment --data {args.data} --out {args.out}"
    if args.preset != "fast":
        command += f" --preset {args.preset}"
    if args.seed is not None:
        command += f" --seed {args.seed}"
    if args.no_distillation:
        command += " --no-distillation"
    try:
        if args.preset == "accurate":
            recipe_accurate = AccurateRecipe()
            if args.seed is not None:
                recipe_accurate = replace(recipe_accurate, head=replace(recipe_accurate.head, seed=args.seed))
            ensemble, metadata = train_accurate(args.data, load_model(args.fast_model), recipe_accurate, _progress)
            save_head(ensemble, args.out, {"training_command": command, **metadata})
        else:
            recipe = Recipe()
            if args.seed is not None:
                recipe = replace(recipe, parameters=replace(recipe.parameters, seed=args.seed))
            if args.no_distillation:
                recipe = replace(recipe, distillation=None)
            model, metadata = train(args.data, recipe, _progress)
            save_model(model, args.out, {"training_command": command, **metadata})
    except (DatasetError, ModelArtifactError) as exc:
        _progress(str(exc))
        return 1
    for name, figures in metadata["validation"].items():
        _progress(f"{name}: macro-F1 {figures['macro_f1']:.4f} macro-recall {figures['macro_recall']:.4f}")
    _progress(f"wrote {args.out}")
    return 0
