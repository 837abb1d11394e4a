"""``vigie detect-series [FILE|-]``: the volume mode of the crisis detector over a NAB-style series.

Reads CSV ``timestamp,value`` (one finite value per interval; naive timestamps are UTC) and writes CSV
``timestamp,value,anomaly_score,alert`` with ``alert`` = 1 exactly on the rows where an alert is raised: by the
surge detector (raise or escalation) on a count series, by the two-sided level-shift detector on a real-valued
one (see :class:`~vigie.classifier.detection.series.VolumeModeDetector`).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from vigie.classifier.detection import InvalidSeriesError
from vigie.classifier.detection.series import VolumeModeDetector, VolumeModeSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "detect-series",
        help="detect surges in a count series, spikes and shifts in a real-valued one (CSV timestamp,value)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", default="-", help="CSV file with a timestamp,value header (- = stdin)")
    parser.set_defaults(func=run)


def _parse_time(text: str, line: int) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidSeriesError(f"line {line}: timestamp {text!r} is not ISO 8601") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def read_series(stream: TextIO) -> Iterator[tuple[str, datetime, str, float]]:
    """(timestamp as written, timestamp, value as written, value) per row."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:2]] != ["timestamp", "value"]:
        raise InvalidSeriesError("line 1: expected the header 'timestamp,value'")
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) < 2:
            raise InvalidSeriesError(f"line {line}: expected timestamp,value")
        try:
            value = float(row[1])
        except ValueError:
            raise InvalidSeriesError(f"line {line}: value {row[1]!r} is not a number") from None
        if not math.isfinite(value):
            raise InvalidSeriesError(f"line {line}: value {row[1]!r} must be a finite number")
        yield row[0], _parse_time(row[0], line), row[1], value


def _interval(rows: list[tuple[str, datetime, str, float]]) -> int:
    gaps = sorted(int((later[1] - earlier[1]).total_seconds()) for earlier, later in itertools.pairwise(rows))
    positive = [gap for gap in gaps if gap > 0]
    if not positive:
        return 300
    interval = positive[len(positive) // 2]
    if interval < 10 or 86400 % interval:
        raise InvalidSeriesError(f"the series interval ({interval} s) must divide a day")
    return interval


def detect(
    rows: Iterable[tuple[str, datetime, str, float]], out: TextIO, settings: VolumeModeSettings | None = None
) -> tuple[int, str | None]:
    """Write the output CSV; returns the number of alert rows and the series' kind (``count``, ``real``, or
    ``None`` when too short to decide). ``settings``: the volume mode's defaults
    (:class:`~vigie.classifier.detection.series.VolumeModeSettings`) unless given (benchmarks compare others)."""
    materialised = list(rows)
    detector = VolumeModeDetector(_interval(materialised), settings)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timestamp", "value", "anomaly_score", "alert"])
    alerts = 0
    for written, moment, value_text, value in materialised:
        step = detector.step(moment, value)
        alerts += step.alert
        writer.writerow([written, value_text, f"{step.anomaly_score:.6f}", int(step.alert)])
    return alerts, detector.kind


def run(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            detect(read_series(sys.stdin), sys.stdout)
        else:
            with Path(args.file).open(encoding="utf-8", newline="") as stream:
                detect(read_series(stream), sys.stdout)
    except InvalidSeriesError as error:
        print(f"vigie detect-series: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"vigie detect-series: {error}", file=sys.stderr)
        return 2
    return 0
