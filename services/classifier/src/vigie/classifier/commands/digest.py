"""``vigie digest --territories FILE --from DATE --to DATE [MENTIONS.jsonl|-]``: the territory's image,
offline, for a report or a backfill — the same digests the classifier emits on ``vigie.digests.v1``.

Input: JSON lines of SCORED mentions (the payload of ``vigie.mentions.scored.v1``), e.g. a dump of that
topic. Raw mentions (the payload of ``vigie.mentions.raw.v1``: no ``sentiment``) are accepted too and are
scored first with the default sentiment model and language identifier, exactly as the service scores them;
pass ``--scored-only`` to refuse them instead. Invalid lines and unknown territories are skipped and counted
on stderr. ``--alerts`` adds the incidents (JSON lines of ``vigie.alerts.v1``).

Periods are the territory's local days or ISO weeks whose start date is in [--from, --to); mentions before
--from are read too, for the comparison with the previous period and the theme baseline.

Output: ``--format json`` writes one digest per line (``DigestEvent``); ``--format html`` one HTML document
with charts inlined. With ``--out DIR`` each digest goes to its own file ``<territory>_<period>_<date>.<ext>``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from vigie.digest.offline import OfflineTotals, digest_offline
from vigie.digest.options import DigestOptions
from vigie.digest.render import LANGUAGES, Locale
from vigie.schemas import (
    AlertEvent,
    ConfigError,
    DecodeError,
    DigestEvent,
    DigestPeriod,
    RawMention,
    ScoredMention,
    decode_as,
    load_territories,
)

if TYPE_CHECKING:
    from vigie.classifier.sentiment.protocol import LanguageIdentifier, SentimentModel

#: Raw mentions are scored in batches of this size.
SCORING_BATCH = 2000
KEY_ENV = "VIGIE_DIGEST_PSEUDONYMISE_KEY"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "digest",
        help="render the territory's image (digest) offline as HTML or JSON",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--territories", required=True, help="territories YAML file")
    parser.add_argument("--from", dest="first", required=True, type=_day, help="first local date (YYYY-MM-DD)")
    parser.add_argument("--to", dest="end", required=True, type=_day, help="end local date, exclusive")
    parser.add_argument("--period", choices=("day", "week"), default="day")
    parser.add_argument("--alerts", help="alert events, one JSON per line (vigie.alerts.v1 payloads)")
    parser.add_argument("--format", choices=("html", "json"), default="json")
    parser.add_argument("--out", help="directory: one file per digest (default: standard output)")
    parser.add_argument("--locale", choices=LANGUAGES, default="fr", help="language of the HTML (default fr)")
    parser.add_argument("--timezone", help="receiver's time zone for HTML times (default: the territory's)")
    parser.add_argument(
        "--pseudonymise",
        action="store_true",
        help=f"hash every identity (key from ${KEY_ENV}; a random per-run key if unset)",
    )
    parser.add_argument("--scored-only", action="store_true", help="refuse raw (unscored) mentions")
    parser.add_argument("mentions", nargs="?", default="-", help="scored mentions, one JSON per line (- = stdin)")
    parser.set_defaults(func=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None


class MentionReader:
    """Scored mentions from JSON lines; raw ones are scored in batches (or refused), bad lines counted."""

    def __init__(self, stream: IO[bytes], *, scored_only: bool) -> None:
        self.stream = stream
        self.scored_only = scored_only
        self.invalid = 0
        self.raw = 0
        self.first_raw_line: int | None = None
        self._pending: list[RawMention] = []
        self._models: tuple[SentimentModel, LanguageIdentifier] | None = None

    def __iter__(self) -> Iterator[ScoredMention]:
        for number, line in enumerate(self.stream, start=1):
            data = line
            if not data.strip():
                continue
            try:
                yield decode_as(ScoredMention, data)
                continue
            except DecodeError:
                pass
            try:
                raw = decode_as(RawMention, data)
            except DecodeError:
                self.invalid += 1
                continue
            self.raw += 1
            if self.first_raw_line is None:
                self.first_raw_line = number
            if self.scored_only:
                continue
            self._pending.append(raw)
            if len(self._pending) >= SCORING_BATCH:
                yield from self._score()
        yield from self._score()

    def _score(self) -> list[ScoredMention]:
        if not self._pending:
            return []
        if self._models is None:
            # Imported only when raw mentions show up: loading the models takes a moment.
            from vigie.classifier.commands.backtest import default_models

            self._models = default_models()
        from vigie.classifier.scoring import score_mentions

        model, identifier = self._models
        scored = score_mentions(model, identifier, self._pending)
        self._pending = []
        return scored


def _alerts(path: str | None) -> list[AlertEvent]:
    if path is None:
        return []
    with Path(path).open(encoding="utf-8") as stream:
        return [decode_as(AlertEvent, line.encode("utf-8")) for line in stream if line.strip()]


def _key() -> bytes:
    configured = os.environ.get(KEY_ENV)
    return configured.encode("utf-8") if configured else secrets.token_bytes(32)


def _write(digests: list[DigestEvent], args: argparse.Namespace) -> None:
    # Imported only for HTML: matplotlib takes a while to load.
    from vigie.digest.render.html import render_html

    def locale_for(digest: DigestEvent) -> Locale:
        return Locale(args.locale, args.timezone or digest.timezone)

    if args.out is None:
        if args.format == "json":
            sys.stdout.writelines(digest.model_dump_json() + "\n" for digest in digests)
        elif digests:
            sys.stdout.write(render_html(digests, locale_for(digests[0])))
        sys.stdout.flush()
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for digest in digests:
        name = f"{digest.territory_id}_{digest.period}_{digest.period_date.isoformat()}.{args.format}"
        if args.format == "json":
            content = json.dumps(digest.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
        else:
            content = render_html([digest], locale_for(digest))
        (out / name).write_text(content, encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    try:
        territories = load_territories(args.territories)
        if args.timezone:
            Locale(args.locale, args.timezone)
        alerts = _alerts(args.alerts)
    except (ConfigError, DecodeError, OSError, ValueError) as error:
        print(f"vigie digest: {error}", file=sys.stderr)
        return 2
    period: DigestPeriod = args.period
    options = DigestOptions(
        periods=(period,), pseudonymise=args.pseudonymise, pseudonymise_key=_key() if args.pseudonymise else b""
    )
    totals = OfflineTotals()
    try:
        with contextlib.ExitStack() as stack:
            stream = sys.stdin.buffer if args.mentions == "-" else stack.enter_context(Path(args.mentions).open("rb"))
            reader = MentionReader(stream, scored_only=args.scored_only)
            digests = digest_offline(
                reader,
                territories.territories,
                options,
                first_day=args.first,
                end_day=args.end,
                alerts=alerts,
                totals=totals,
            )
        _write(digests, args)
    except OSError as error:
        print(f"vigie digest: {error}", file=sys.stderr)
        return 2
    if args.scored_only and reader.raw:
        print(
            f"vigie digest: line {reader.first_raw_line} and {reader.raw - 1} more are raw mentions (no sentiment): "
            "score them first (vigie.mentions.scored.v1 payloads), or drop --scored-only to score them here",
            file=sys.stderr,
        )
        return 2
    print(
        f"vigie digest: {len(digests)} digests from {totals.mentions} mentions ({reader.raw} scored here), "
        f"{totals.duplicates} duplicates, {reader.invalid} invalid lines, {totals.unknown_territory} unknown "
        f"territories, {totals.alerts} alert events",
        file=sys.stderr,
    )
    return 0
