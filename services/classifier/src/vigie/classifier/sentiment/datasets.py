"""The public sentiment corpora in ``shared/data/sentiment`` (see its README): loading only, never copied.

Labels are 0 = negative, 1 = neutral, 2 = positive. UMSAB (``xlmt/<language>``) files cycle their labels
0,1,2,... and have no trailing newline; the training code shuffles with a fixed seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

#: UMSAB folder name -> ISO 639-1 code.
XLMT_LANGUAGES: dict[str, str] = {
    "arabic": "ar",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "portuguese": "pt",
    "spanish": "es",
}


class DatasetError(Exception):
    """A corpus file is missing or its texts and labels do not line up."""


@dataclass(frozen=True, slots=True)
class Corpus:
    """Aligned texts, labels (0/1/2) and languages; ``name`` says where they come from."""

    name: str
    texts: list[str]
    labels: npt.NDArray[np.int64]
    languages: list[str]

    def __len__(self) -> int:
        return len(self.texts)


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise DatasetError(f"missing corpus file: {path}")
    content = path.read_text(encoding="utf-8")
    if content.endswith("\n"):
        content = content[:-1]
    return content.split("\n")


def read_corpus(folder: Path, split: str, language: str, name: str) -> Corpus:
    """``{split}_text.txt`` and ``{split}_labels.txt`` of ``folder``."""
    texts = _read_lines(folder / f"{split}_text.txt")
    raw_labels = _read_lines(folder / f"{split}_labels.txt")
    if len(texts) != len(raw_labels):
        raise DatasetError(f"{folder}: {len(texts)} texts but {len(raw_labels)} labels in split {split!r}")
    labels = np.array([int(label) for label in raw_labels], dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 2):
        raise DatasetError(f"{folder}: labels outside 0..2 in split {split!r}")
    return Corpus(name, texts, labels, [language] * len(texts))


def xlmt(root: Path, folder: str, split: str) -> Corpus:
    """One UMSAB language (``folder`` as in :data:`XLMT_LANGUAGES`)."""
    return read_corpus(root / "xlmt" / folder, split, XLMT_LANGUAGES[folder], f"xlmt-{folder}-{split}")


def semeval_english(root: Path) -> Corpus:
    """SemEval 2013-2016 task 4A English tweets (training only)."""
    return read_corpus(root / "semeval-en", "train", "en", "semeval-en-train")


def tweeteval_validation(root: Path) -> Corpus:
    """TweetEval sentiment validation split (English)."""
    return read_corpus(root / "tweeteval-val", "val", "en", "tweeteval-val")


def validation_sets(root: Path) -> list[Corpus]:
    """Every validation split: UMSAB per language, then TweetEval."""
    return [xlmt(root, folder, "val") for folder in XLMT_LANGUAGES] + [tweeteval_validation(root)]
