"""The on-disk form of a trained :class:`LinearSentimentModel`, with an integrity check.

A model directory holds:

- ``model.json``: name, feature configuration, training command and validation figures;
- ``weights.npy``: float16 weights (features x 3 classes, held as float16 in memory too), ``bias.npy``:
  float32 logits offsets;
- ``hashtag_words.txt``: the hashtag splitter's vocabulary, most frequent first;
- ``SHA256SUMS``: ``<sha256>  <file>`` for each of the files above.

Loading verifies every checksum first and raises :class:`ModelArtifactError` naming the file and the
problem, so a truncated or corrupted artifact stops start-up with a clear message instead of producing
silently wrong labels.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from vigie.classifier.sentiment.features import FeatureConfig
from vigie.classifier.sentiment.linear_model import LinearSentimentModel
from vigie.classifier.sentiment.splitter import HashtagSplitter

MANIFEST = "SHA256SUMS"
FILES = ("model.json", "weights.npy", "bias.npy", "hashtag_words.txt")


class ModelArtifactError(Exception):
    """A model directory is missing, incomplete, corrupted or of an unknown format."""


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def save_model(model: LinearSentimentModel, directory: Path, metadata: dict[str, Any]) -> None:
    """Write ``model`` and its manifest into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    config = model.config
    document = {
        "format": 1,
        "name": model.name,
        "features": {
            "bits": config.bits,
            "char_ngrams": list(config.char_ngrams),
            "word_ngrams": list(config.word_ngrams),
            "language_crossed_words": config.language_crossed_words,
            "negation_flip": config.negation_flip,
        },
        **metadata,
    }
    (directory / "model.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    np.save(directory / "weights.npy", model.weights.astype(np.float16), allow_pickle=False)
    np.save(directory / "bias.npy", model.bias.astype(np.float32), allow_pickle=False)
    words = model.splitter.words_by_frequency if model.splitter is not None else []
    (directory / "hashtag_words.txt").write_text("\n".join(words) + "\n", "utf-8")
    sha256_manifest(directory, FILES)


def sha256_manifest(directory: Path, files: tuple[str, ...]) -> None:
    """Write ``SHA256SUMS`` for ``files`` of ``directory``."""
    lines = [f"{_sha256(directory / name)}  {name}" for name in files]
    (directory / MANIFEST).write_text("\n".join(lines) + "\n", "utf-8")


def verify(directory: Path) -> None:
    """Raise :class:`ModelArtifactError` unless every file of the fast model is present and intact."""
    verify_files(directory, FILES)


def verify_files(directory: Path, files: tuple[str, ...]) -> None:
    """Raise :class:`ModelArtifactError` unless each of ``files`` is listed in the manifest and intact."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        raise ModelArtifactError(f"sentiment model {directory}: no {MANIFEST} manifest (incomplete artifact)")
    expected: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text("utf-8").splitlines(), start=1):
        checksum, _, name = line.partition("  ")
        if len(checksum) != 64 or not name:
            raise ModelArtifactError(f"sentiment model {directory}: {MANIFEST} line {number} is malformed")
        expected[name] = checksum
    for name in files:
        path = directory / name
        if name not in expected:
            raise ModelArtifactError(f"sentiment model {directory}: {name} is not listed in {MANIFEST}")
        if not path.is_file():
            raise ModelArtifactError(f"sentiment model {directory}: {name} is missing")
        actual = _sha256(path)
        if actual != expected[name]:
            raise ModelArtifactError(
                f"sentiment model {directory}: {name} is corrupted (sha256 {actual[:12]}..., "
                f"expected {expected[name][:12]}...); reinstall the package or retrain"
            )


def read_metadata(directory: Path) -> dict[str, Any]:
    """The parsed ``model.json`` (not verified: call :func:`verify` first)."""
    try:
        document: dict[str, Any] = json.loads((directory / "model.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelArtifactError(f"sentiment model {directory}: model.json is unreadable: {exc}") from exc
    return document


def load_model(directory: Path) -> LinearSentimentModel:
    """Verify then load the model in ``directory``."""
    verify(directory)
    document = read_metadata(directory)
    if document.get("format") != 1:
        raise ModelArtifactError(f"sentiment model {directory}: unknown format {document.get('format')!r}")
    try:
        features = document["features"]
        config = FeatureConfig(
            bits=int(features["bits"]),
            char_ngrams=tuple(int(n) for n in features["char_ngrams"]),
            word_ngrams=tuple(int(n) for n in features["word_ngrams"]),
            language_crossed_words=bool(features["language_crossed_words"]),
            negation_flip=bool(features.get("negation_flip", False)),
        )
        weights = np.load(directory / "weights.npy", allow_pickle=False)  # float16, kept so
        bias = np.load(directory / "bias.npy", allow_pickle=False)
        words = (directory / "hashtag_words.txt").read_text("utf-8").split()
        return LinearSentimentModel(
            str(document["name"]), config, weights, bias, HashtagSplitter.from_words(words) if words else None
        )
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelArtifactError(f"sentiment model {directory}: cannot be loaded: {exc}") from exc
