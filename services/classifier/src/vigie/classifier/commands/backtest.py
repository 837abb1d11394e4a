"""``vigie backtest --territories FILE [MENTIONS.jsonl|-]``: run scoring and crisis detection over raw-mention
JSON lines (the payload of ``vigie.mentions.raw.v1``) and write the alert events (the payload of
``vigie.alerts.v1``) as JSON lines, exactly as the classifier service would produce them for the same records.

Lines that are not valid raw mentions, and mentions of territories absent from the file, are skipped and
counted on stderr (the service dead-letters them); the exit status is 1 when the input had lines but not one
valid raw mention (a wrong file), 2 for a bad territory file or an unreadable input. A mention published more than ``--max-future-skew-s``
after its ``collected_at`` is counted at its ``collected_at``; a mention id seen again for its territory is
counted once (as in the service: see ``vigie.classifier.detection.partition``). ``--decision-cascade``: detection
re-scores the uncertain mentions of territories under test with the ``accurate`` model
(``vigie.classifier.detection.rescoring``), as a worker with ``VIGIE_CLASSIFIER_DECISION_CASCADE=on`` does (or
``auto`` with ``VIGIE_CLASSIFIER_ROLE=detection``); without it, as the default worker does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from vigie.classifier.detection import AdmissionSettings
from vigie.classifier.detection.rescoring import CascadeSettings, DecisionCascade, load_accurate_model
from vigie.classifier.replay import Backtest
from vigie.classifier.sentiment import load_default_model, load_language_identifier
from vigie.classifier.sentiment.protocol import LanguageIdentifier, SentimentModel
from vigie.schemas import ConfigError, DecodeError, RawMention, decode_as, load_territories


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "backtest",
        help="replay raw mentions through scoring and detection, print alert events",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--territories", required=True, help="territories YAML file")
    parser.add_argument("mentions", nargs="?", default="-", help="raw mentions, one JSON per line (- = stdin)")
    parser.add_argument(
        "--max-future-skew-s",
        type=float,
        default=AdmissionSettings().max_future_skew_s,
        help="a mention published more than this after its collected_at counts at its collected_at (the "
        "service's VIGIE_CLASSIFIER_MAX_FUTURE_SKEW_S; default %(default)s)",
    )
    parser.add_argument(
        "--decision-cascade",
        action="store_true",
        help="re-score the uncertain mentions of territories under test, as a worker with "
        "VIGIE_CLASSIFIER_DECISION_CASCADE=on does (or auto with VIGIE_CLASSIFIER_ROLE=detection)",
    )
    parser.add_argument(
        "--decision-cascade-budget",
        type=int,
        default=CascadeSettings().budget_per_hour,
        help="re-scores per territory per event-time hour (the service's "
        "VIGIE_CLASSIFIER_DECISION_CASCADE_BUDGET_PER_HOUR; default %(default)s)",
    )
    parser.add_argument(
        "--decision-cascade-partition-budget",
        type=int,
        default=CascadeSettings().partition_budget_per_minute,
        help="re-scores per partition per event-time minute (the service's "
        "VIGIE_CLASSIFIER_DECISION_CASCADE_PARTITION_BUDGET_PER_MINUTE; default %(default)s)",
    )
    parser.set_defaults(func=run)


def default_models() -> tuple[SentimentModel, LanguageIdentifier]:
    """The service's default sentiment model and language identifier."""
    return load_default_model(), load_language_identifier()


#: Invalid lines reported one by one on stderr; the rest are only counted.
REPORTED_INVALID_LINES = 5


class _Reader:
    """Raw-mention JSON lines; an invalid line is counted, the first few are reported with their reason."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.invalid = 0

    def __iter__(self) -> Iterator[RawMention]:
        for number, line in enumerate(self.stream, start=1):
            if not line.strip():
                continue
            try:
                yield decode_as(RawMention, line.encode("utf-8"))
            except DecodeError as error:
                self._invalid(number, error.reason)
            except Exception as error:  # any other failure of one line (nesting, huge numbers) fails only it
                self._invalid(number, f"{type(error).__name__}: {error}"[:300])

    def _invalid(self, number: int, reason: str) -> None:
        self.invalid += 1
        if self.invalid <= REPORTED_INVALID_LINES:
            print(f"vigie backtest: line {number}: {reason}", file=sys.stderr)


def _replay(backtest: Backtest, stream: TextIO) -> _Reader:
    reader = _Reader(stream)
    out = sys.stdout
    for event in backtest.run(reader):
        out.write(event.model_dump_json())
        out.write("\n")
    out.flush()
    return reader


def run(args: argparse.Namespace) -> int:
    try:
        territories = load_territories(args.territories)
    except ConfigError as error:
        print(f"vigie backtest: {error}", file=sys.stderr)
        return 2
    try:
        admission = AdmissionSettings(max_future_skew_s=args.max_future_skew_s)
        cascade_settings = CascadeSettings(
            budget_per_hour=args.decision_cascade_budget,
            partition_budget_per_minute=args.decision_cascade_partition_budget,
        )
    except ValueError as error:
        print(f"vigie backtest: {error}", file=sys.stderr)
        return 2
    model, identifier = default_models()
    cascade = DecisionCascade(load_accurate_model, cascade_settings) if args.decision_cascade else None
    backtest = Backtest(territories, model, identifier, admission=admission, cascade=cascade)
    try:
        if args.mentions == "-":
            sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
            reader = _replay(backtest, sys.stdin)
        else:
            with Path(args.mentions).open(encoding="utf-8", errors="surrogateescape") as stream:
                reader = _replay(backtest, stream)
    except OSError as error:
        print(f"vigie backtest: {error}", file=sys.stderr)
        return 2
    totals = backtest.totals
    print(
        f"vigie backtest: {totals.mentions} mentions, {totals.events} alert events {totals.by_transition}, "
        f"{reader.invalid} invalid lines (each line must be a vigie.mentions.raw.v1 payload), "
        f"{totals.unknown_territory} unknown territories, "
        f"{backtest.engine.late_mentions} late mentions ({totals.too_old} too old), "
        f"{totals.clamped} counted at their collection time, {totals.duplicates} duplicates, "
        f"{totals.implausible} with implausible dates, {totals.unscorable} the model failed on, "
        f"{cascade.rescored if cascade is not None else 0} re-scored by the decision cascade",
        file=sys.stderr,
    )
    if totals.mentions == 0 and reader.invalid > 0:
        print("vigie backtest: no valid raw mention in the input: nothing was replayed", file=sys.stderr)
        return 1
    return 0
