"""Cross-validation cannot fool itself: every pool text is scored by a model that never saw it, and the
settings applied to a fold are chosen on the other folds."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vigie.classifier.sentiment.accurate import EMBEDDING_SIZE
from vigie.classifier.sentiment.crossval import (
    assign_folds,
    cross_fitted_ensemble,
    cross_fitted_offsets,
    cross_validate,
    cross_validated_head,
    cv_figures,
    duplicate_key,
    grouped_folds,
    pools,
    select_rows,
    stack,
)
from vigie.classifier.sentiment.datasets import XLMT_LANGUAGES
from vigie.classifier.sentiment.features import FeatureConfig
from vigie.classifier.sentiment.recipe import Recipe, train
from vigie.classifier.sentiment.training import HeadParameters, Sparse, TrainingParameters, fit_head

LEARNABLE = [("great lovely place", 2), ("awful dirty beach", 0), ("opens at nine", 1)]


class BagOfLettersEncoder:
    """A stand-in sentence encoder (the real one takes minutes to load and embed): letter counts."""

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), EMBEDDING_SIZE), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text:
                out[row, ord(char) % EMBEDDING_SIZE] += 1.0
        return out


def _write(folder: Path, split: str, rows: list[tuple[str, int]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{split}_text.txt").write_text("\n".join(text for text, _ in rows), "utf-8")
    (folder / f"{split}_labels.txt").write_text("\n".join(str(label) for _, label in rows), "utf-8")


def _memorisable(rng: random.Random, count: int) -> list[tuple[str, int]]:
    """Texts made of one random word each, with a random label: learnable only by heart."""
    letters = "bcdfghjklmnpqrstvwxz"
    return [("".join(rng.choice(letters) for _ in range(12)), index % 3) for index in range(count)]


@pytest.fixture
def corpora(tmp_path: Path) -> Path:
    rng = random.Random(7)
    _write(tmp_path / "semeval-en", "train", LEARNABLE * 10)
    _write(tmp_path / "tweeteval-val", "val", _memorisable(rng, 30))
    for folder in XLMT_LANGUAGES:
        _write(tmp_path / "xlmt" / folder, "train", _memorisable(rng, 45))
        _write(tmp_path / "xlmt" / folder, "val", _memorisable(rng, 15))
    return tmp_path


def _recipe() -> Recipe:
    return Recipe(
        features=FeatureConfig(bits=16, char_ngrams=(), word_ngrams=(1,)),
        parameters=TrainingParameters(epochs=30, learning_rate=0.5, seeds=1),
        distillation=None,
    )


def test_folds_are_stratified_balanced_and_fixed() -> None:
    labels = np.array([0, 1, 2] * 20 + [1] * 7)
    folds = assign_folds(labels, 5)
    assert np.array_equal(folds, assign_folds(labels, 5))
    for label in range(3):
        counts = np.bincount(folds[labels == label], minlength=5)
        assert counts.max() - counts.min() <= 1
    assert not np.array_equal(folds, assign_folds(labels, 5, seed=1))


def test_row_selection_and_stacking() -> None:
    sparse = Sparse(np.array([0, 2, 3, 6]), np.arange(6), np.arange(6, dtype=np.float32))
    picked = select_rows(sparse, np.array([2, 0]))
    assert picked.indptr.tolist() == [0, 3, 5]
    assert picked.indices.tolist() == [3, 4, 5, 0, 1]
    both = stack([picked, select_rows(sparse, np.array([1]))])
    assert both.indptr.tolist() == [0, 3, 5, 6]
    assert both.indices.tolist() == [3, 4, 5, 0, 1, 2]


def test_every_text_is_scored_by_a_model_that_never_saw_it(corpora: Path) -> None:
    # each pool text is a random word with a random label: a model that saw it knows it by heart, one that
    # did not can only guess
    seen, _ = train(corpora, _recipe())
    french_train = (corpora / "xlmt" / "french" / "train_text.txt").read_text("utf-8").split("\n")
    french_labels = [int(x) for x in (corpora / "xlmt" / "french" / "train_labels.txt").read_text().split("\n")]
    in_sample = [("negative", "neutral", "positive").index(p.label) for p in seen.predict(french_train)]
    assert np.mean(np.array(in_sample) == np.array(french_labels)) > 0.9

    cv = cross_validate(corpora, _recipe(), k=3, encoder=BagOfLettersEncoder())
    adjusted, offsets, _ = cross_fitted_offsets(cv, cv.fast_logits)
    figures = cv_figures(cv.pools, adjusted)
    memorised_pools = [name for name in figures if name.startswith("xlmt-")]
    assert len(memorised_pools) == 8
    assert np.mean([figures[name]["macro_f1"] for name in memorised_pools]) < 0.5
    assert offsets.shape == (3,)
    assert all(np.abs(logits).sum(axis=1).min() > 0 for logits in cv.fast_logits)
    ensemble, alpha, ensemble_offsets = cross_fitted_ensemble(cv, offsets, [(0.5,), (1.0,)])
    assert alpha in ((0.5,), (1.0,))
    assert ensemble_offsets.shape == (3,)
    assert [len(logits) for logits in ensemble] == [len(pool) for pool in cv.pools]

    # a second head, on another encoder: a one-hot vector per text, which a head that saw the text learns by
    # heart and one that did not can only guess
    sizes = np.cumsum([0] + [len(pool) for pool in cv.pools])
    identity = np.eye(int(sizes[-1]), dtype=np.float32)
    embeddings = [identity[sizes[i] : sizes[i + 1]] for i in range(len(cv.pools))]
    parameters = HeadParameters(epochs=100, learning_rate=0.05, l2=0.0)
    french = next(i for i, pool in enumerate(cv.pools) if pool.name == "xlmt-french")
    in_sample = fit_head(
        embeddings[french], cv.pools[french].labels, np.ones(len(cv.pools[french]), np.float32), parameters
    )
    learnt = (embeddings[french] @ in_sample[:-1] + in_sample[-1]).argmax(axis=1)
    assert np.mean(learnt == cv.pools[french].labels) > 0.9
    logits = cross_validated_head(cv, embeddings, parameters)
    head_figures = cv_figures(cv.pools, logits)
    assert np.mean([f["macro_f1"] for name, f in head_figures.items() if name.startswith("xlmt-")]) < 0.5
    assert cv.head_logits is not None
    grid = [(0.0, 1.0), (1.0, 0.5)]
    ensemble, alphas, _ = cross_fitted_ensemble(cv, offsets, grid, head_logits=[cv.head_logits, logits])
    assert alphas in grid
    assert [len(rows) for rows in ensemble] == [len(pool) for pool in cv.pools]


def test_distillation_needs_an_encoder(corpora: Path) -> None:
    with pytest.raises(ValueError, match="encoder"):
        cross_validate(corpora, Recipe(), k=2)


def test_a_tweet_in_two_pools_keeps_one_fold_and_leaves_semeval(tmp_path: Path) -> None:
    rng = random.Random(3)
    shared = _memorisable(rng, 30)
    _write(tmp_path / "semeval-en", "train", LEARNABLE * 10 + [(f"@someone {shared[0][0]} http://x.y", 0)])
    _write(tmp_path / "tweeteval-val", "val", [(f"@user {text.upper()} http", label) for text, label in shared])
    for folder in XLMT_LANGUAGES:
        rows = shared if folder == "english" else _memorisable(rng, 30)
        _write(tmp_path / "xlmt" / folder, "train", rows[:20])
        _write(tmp_path / "xlmt" / folder, "val", rows[20:])
    corpora = pools(tmp_path)
    folds = grouped_folds(corpora, 3)
    english = next(i for i, c in enumerate(corpora) if c.name == "xlmt-english")
    tweeteval = next(i for i, c in enumerate(corpora) if c.name == "tweeteval-val")
    assert np.array_equal(folds[english], folds[tweeteval])
    assert duplicate_key(r"@a Don\u2019t stop http://t.co/x") == duplicate_key("Dont STOP! @b")
    messages: list[str] = []
    cross_validate(tmp_path, _recipe(), k=3, progress=messages.append)
    assert "1 SemEval texts also in a pool: left out of cross-validation" in messages
