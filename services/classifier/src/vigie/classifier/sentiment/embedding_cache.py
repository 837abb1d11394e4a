"""A sentence encoder that remembers what it embedded, on disk: training and cross-validation embed the same
corpora and vocabulary many times, and a multilingual encoder takes minutes for them on one core.

The cache (``keys.txt``: the sha256 of each text, one a line; ``embeddings.npy``: float16 rows in the same
order) is a training aid only: no shipped model reads it. float16 rows are exact enough for a softmax head.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment.accurate import EMBEDDING_SIZE, SentenceEncoder

F32 = npt.NDArray[np.float32]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class CachedEncoder:
    """Wraps a :class:`SentenceEncoder`; ``directory`` holds the cache (created on first save)."""

    def __init__(self, encoder: SentenceEncoder, directory: Path) -> None:
        self.encoder = encoder
        self.directory = directory
        self._rows: dict[str, int] = {}
        self._arrays: list[npt.NDArray[np.float16]] = []
        self.dimension = int(getattr(encoder, "dimension", EMBEDDING_SIZE))
        keys_path, array_path = directory / "keys.txt", directory / "embeddings.npy"
        if keys_path.is_file() and array_path.is_file():
            keys = keys_path.read_text("ascii").split()
            array = np.load(array_path, allow_pickle=False)
            if array.shape == (len(keys), self.dimension):
                self._rows = {key: row for row, key in enumerate(keys)}
                self._arrays = [array]

    def vocabulary(self) -> list[str]:
        """The wrapped encoder's vocabulary, if it has one."""
        vocabulary = getattr(self.encoder, "vocabulary", None)
        return list(vocabulary()) if vocabulary is not None else []

    def add(self, texts: Sequence[str], embeddings: F32) -> None:
        """Remember ``embeddings`` (one row per text) without saving."""
        fresh: list[F32] = []
        for text, row in zip(texts, embeddings, strict=True):
            key = text_key(text)
            if key not in self._rows:
                self._rows[key] = len(self._rows)
                fresh.append(row)
        if fresh:
            self._arrays.append(np.asarray(fresh, dtype=np.float16))

    def encode(self, texts: Sequence[str]) -> F32:
        keys = [text_key(text) for text in texts]
        missing = list(dict.fromkeys(i for i, key in enumerate(keys) if key not in self._rows))
        if missing:
            self.add([texts[i] for i in missing], self.encoder.encode([texts[i] for i in missing]))
            self.save()
        table = self._table()
        return table[[self._rows[key] for key in keys]].astype(np.float32)

    def _table(self) -> npt.NDArray[np.float16]:
        if len(self._arrays) > 1:
            self._arrays = [np.concatenate(self._arrays)]
        return self._arrays[0] if self._arrays else np.zeros((0, self.dimension), dtype=np.float16)

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._rows, key=self._rows.__getitem__)
        np.save(self.directory / "embeddings.npy", self._table(), allow_pickle=False)
        (self.directory / "keys.txt").write_text("\n".join(keys) + "\n", "ascii")
