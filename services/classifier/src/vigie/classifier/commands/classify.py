"""``vigie classify``: sentiment of UTF-8 texts, one per line on stdin, one label per line on stdout.

Each output line is ``negative``, ``neutral`` or ``positive`` for the input line of the same number; empty and
blank lines are ``neutral`` so that the alignment is kept. ``--format jsonl`` writes one JSON object per line
instead: ``{"label", "negative", "neutral", "positive", "language", "language_confidence"}``.

The default preset is ``accurate`` (see :data:`CLASSIFY_PRESET`), about 20 lines/s a core; ``--preset cascade``
is about three times faster, ``--preset fast`` hundreds of times faster and less accurate.

``--lang`` is ``auto`` (identify each line) or one of the languages the model was trained on
(:data:`~vigie.classifier.sentiment.MODEL_LANGUAGES`); anything else stops with exit code 2 and the list.
``--territories FILE`` (a territories YAML file) replaces the names, aliases and hashtags of its territories
by a neutral placeholder before scoring, as the classifier service does with a mention's matched terms.

Invalid UTF-8 (``--errors``): ``strict`` (default) stops with exit code 1 and a message naming the first
invalid line and byte offset, after writing the labels of the lines before it; ``replace`` scores the line
with U+FFFD in place of the invalid bytes and goes on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from vigie.classifier.sentiment import (
    MODEL_LANGUAGES,
    PRESETS,
    UNDETERMINED,
    LanguageGuess,
    LanguageIdentifier,
    ModelArtifactError,
    SentimentModel,
    load_default_model,
    load_language_identifier,
)
from vigie.classifier.sentiment.places import PlaceNames
from vigie.schemas import ConfigError, TerritoryConfig, load_territories

BATCH_LINES = 4096
#: ``accurate``: the fast model combined with the multilingual-e5-small head (cross-validated French macro-F1
#: 0.69 and TweetEval macro-recall 0.71 against 0.62 and 0.68 for ``fast``: see MODEL_CARD.md), about 20
#: lines/s a core. The classifier service keeps ``fast`` by default (5,000 mentions/s on 2 cores leave no room
#: for the encoder).
CLASSIFY_PRESET = "accurate"


class InvalidInputError(Exception):
    """A line of the input is not valid UTF-8."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="sentiment of texts read one per line on stdin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--lang",
        default="auto",
        help=f"language of every line ({', '.join(MODEL_LANGUAGES)}) or 'auto' to identify it per line (default)",
    )
    parser.add_argument(
        "--territories",
        type=Path,
        default=None,
        help="territories YAML file: its names, aliases and hashtags carry no sentiment",
    )
    parser.add_argument("--format", choices=("labels", "jsonl"), default="labels", help="output format")
    parser.add_argument(
        "--preset",
        choices=PRESETS,
        default=CLASSIFY_PRESET,
        help=f"sentiment model preset (default {CLASSIFY_PRESET}, ~20 lines/s; cascade ~60 lines/s; fast: thousands "
        "of lines/s, less accurate)",
    )
    parser.add_argument(
        "--errors",
        choices=("strict", "replace"),
        default="strict",
        help="invalid UTF-8: stop naming the line (strict, default) or replace the bad bytes (replace)",
    )
    parser.set_defaults(func=run)


def _raw_batches(stream: BinaryIO, size: int) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for raw in stream:
        batch.append(raw.rstrip(b"\n").rstrip(b"\r"))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def decode_batch(raw_lines: list[bytes], first_number: int, errors: str) -> tuple[list[str], str | None]:
    """The decoded lines up to the first invalid one, and the error message naming it (``None`` if all valid)."""
    decoded: list[str] = []
    for offset, raw in enumerate(raw_lines):
        try:
            decoded.append(raw.decode("utf-8", errors=errors))
        except UnicodeDecodeError as exc:
            return decoded, (
                f"line {first_number + offset} is not valid UTF-8 (byte {exc.start + 1}); "
                "use --errors replace to score it anyway"
            )
    return decoded, None


def classify_stream(
    stream: BinaryIO,
    out: TextIO,
    model: SentimentModel,
    identifier: LanguageIdentifier | None,
    language: str | None,
    output_format: str,
    errors: str,
    batch_size: int = BATCH_LINES,
    places: PlaceNames | None = None,
) -> None:
    """Score every line of ``stream`` onto ``out`` (see the module docstring)."""
    first_number = 1
    for raw_batch in _raw_batches(stream, batch_size):
        batch, error = decode_batch(raw_batch, first_number, errors)
        first_number += len(raw_batch)
        _score(batch, out, model, identifier, language, output_format, places)
        if error is not None:
            raise InvalidInputError(error)


def _score(
    batch: list[str],
    out: TextIO,
    model: SentimentModel,
    identifier: LanguageIdentifier | None,
    language: str | None,
    output_format: str,
    places: PlaceNames | None = None,
) -> None:
    if not batch:
        return
    if identifier is not None:
        guesses = identifier.identify(batch)
    else:
        guesses = [LanguageGuess(language or UNDETERMINED, 1.0)] * len(batch)
    languages = [None if guess.language == UNDETERMINED else guess.language for guess in guesses]
    texts = [places.neutralise(text) for text in batch] if places else batch
    predictions = model.predict(texts, languages)
    if output_format == "jsonl":
        for prediction, guess in zip(predictions, guesses, strict=True):
            record = {
                "label": prediction.label,
                "negative": round(prediction.negative, 4),
                "neutral": round(prediction.neutral, 4),
                "positive": round(prediction.positive, 4),
                "language": guess.language,
                "language_confidence": round(guess.confidence, 4),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        out.write("".join(prediction.label + "\n" for prediction in predictions))
    out.flush()


def territory_terms(config: TerritoryConfig) -> list[str]:
    """Every name, alias and hashtag of the territories of ``config``."""
    return [
        term for territory in config.territories for term in (territory.name, *territory.aliases, *territory.hashtags)
    ]


def run(args: argparse.Namespace) -> int:
    language = str(args.lang).strip().lower()
    if language != "auto" and language not in MODEL_LANGUAGES:
        print(
            f"vigie classify: unknown language {args.lang!r} for --lang; the model knows "
            f"{', '.join(MODEL_LANGUAGES)} (or 'auto' to identify each line)",
            file=sys.stderr,
        )
        return 2
    places = None
    if args.territories is not None:
        try:
            places = PlaceNames(territory_terms(load_territories(args.territories)))
        except ConfigError as exc:
            print(f"vigie classify: {exc}", file=sys.stderr)
            return 2
    try:
        model = load_default_model(args.preset)
    except ModelArtifactError as exc:
        print(f"vigie classify: {exc}", file=sys.stderr)
        return 1
    identifier = load_language_identifier() if language == "auto" else None
    batch_size = 1 if sys.stdin.isatty() else BATCH_LINES
    try:
        classify_stream(
            sys.stdin.buffer,
            sys.stdout,
            model,
            identifier,
            None if language == "auto" else language,
            args.format,
            args.errors,
            batch_size,
            places,
        )
    except InvalidInputError as exc:
        print(f"vigie classify: {exc}", file=sys.stderr)
        return 1
    return 0
