"""``vigie train-sentiment``: train the ``fast`` sentiment model from the public corpora and write the
artifact (weights, vocabulary, sha256 manifest). Reproducible: fixed seeds, same data -> same weights."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vigie.classifier.sentiment.artifact import save_model
from vigie.classifier.sentiment.datasets import DatasetError
from vigie.classifier.sentiment.recipe import Recipe, train


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train-sentiment",
        help="train the fast sentiment model from shared/data/sentiment",
        description=__doc__,
    )
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sentiment"), help="corpora folder")
    parser.add_argument("--out", type=Path, required=True, help="model directory to write")
    parser.add_argument("--seed", type=int, default=None, help="override the recipe's seed")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    recipe = Recipe()
    if args.seed is not None:
        from dataclasses import replace

        recipe = replace(recipe, parameters=replace(recipe.parameters, seed=args.seed))

    def progress(message: str) -> None:
        print(f"train-sentiment: {message}", file=sys.stderr, flush=True)

    try:
        model, metadata = train(args.data, recipe, progress)
    except DatasetError as exc:
        print(f"train-sentiment: {exc}", file=sys.stderr)
        return 1
    command = f"vigie train-sentiment --data {args.data} --out {args.out}"
    if args.seed is not None:
        command += f" --seed {args.seed}"
    save_model(model, args.out, {"training_command": command, **metadata})
    for name, figures in metadata["validation"].items():
        progress(f"{name}: macro-F1 {figures['macro_f1']:.4f} macro-recall {figures['macro_recall']:.4f}")
    progress(f"wrote {args.out}")
    return 0
