"""File replay: JSON lines or CSV of mentions (format: :mod:`vigie.collector.record_format`).

``speed=None`` replays as fast as the broker acknowledges; a factor replays at that multiple of the
mentions' own pace (``published_at`` deltas; 60 = one hour in one minute), through the injected clock.
The cursor is the number of lines consumed (header included for CSV), so an interrupted replay with a
state directory resumes where it stopped. Each bad line (not UTF-8, not JSON — nesting deeper than 200
levels, a number of more than 4,300 digits and a lone surrogate escape included —, missing field) is
dead-lettered with its line number and the replay continues.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path

from vigie.collector.items import Batch, CollectedItem, Cursor, RejectedInput
from vigie.collector.record_format import InvalidRecordError, item_from_record, record_from_csv_row
from vigie.collector.sources.base import Source
from vigie.runtime.clock import Clock
from vigie.schemas import DecodeError, load_json

#: Longest wait for one record when pacing: a larger jump in event time (a bogus date) restarts the pacing
#: from that record instead of stalling the replay.
MAX_PACE_WAIT_S = 3600.0
#: Called with (lines done, total lines) after each batch.
ProgressCallback = Callable[[int, int], None]


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


class ReplaySource(Source):
    """One file, replayed once."""

    kind = "replay"

    def __init__(
        self,
        path: Path,
        clock: Clock,
        *,
        speed: float | None = None,
        batch_size: int = 500,
        on_progress: ProgressCallback | None = None,
        name: str | None = None,
    ) -> None:
        self.path = path
        self.clock = clock
        self.speed = speed
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.name = name or f"replay:{path.resolve()}"
        self.instance = path.name
        self.is_csv = path.suffix.lower() == ".csv"
        self._skip = 0

    def restore(self, cursor: Cursor | None) -> None:
        line = (cursor or {}).get("line", 0)
        self._skip = int(line) if isinstance(line, int) else 0

    def _records(self) -> Iterator[tuple[int, CollectedItem | RejectedInput]]:
        with self.path.open("rb") as handle:
            header: list[str] | None = None
            for number, raw in enumerate(handle, start=1):
                if self.is_csv and header is None:
                    header = next(csv.reader([raw.decode("utf-8-sig", errors="replace")]))
                    yield number, RejectedInput(self.kind, self.instance, "decode", "header", b"")
                    continue
                if number <= self._skip:
                    continue
                if not raw.strip():
                    yield number, RejectedInput(self.kind, self.instance, "decode", "blank", b"")
                    continue
                yield number, self._parse(number, raw, header)

    def _parse(self, number: int, raw: bytes, header: list[str] | None) -> CollectedItem | RejectedInput:
        where = f"line {number}"
        try:
            text = raw.decode("utf-8")
            if header is not None:
                row = next(csv.reader(io.StringIO(text)))
                record = record_from_csv_row(dict(zip(header, row, strict=False)))
            else:
                record = load_json(raw)
            return item_from_record(record, kind=self.kind, instance=self.instance, honour_source=True)
        except UnicodeDecodeError as exc:
            return RejectedInput(self.kind, self.instance, "decode", f"{where}: not UTF-8: {exc}", raw)
        except DecodeError as exc:
            return RejectedInput(self.kind, self.instance, "decode", f"{where}: {exc.reason}", raw)
        except (csv.Error, StopIteration) as exc:
            return RejectedInput(self.kind, self.instance, "decode", f"{where}: not a CSV row: {exc}", raw)
        except InvalidRecordError as exc:
            return RejectedInput(self.kind, self.instance, "validation", f"{where}: {exc.reason}", raw)

    async def batches(self) -> AsyncIterator[Batch]:
        total = count_lines(self.path)
        batch = Batch()
        pace: tuple[float, datetime] | None = None
        line = self._skip
        for line, record in self._records():
            if isinstance(record, RejectedInput):
                if record.reason not in ("header", "blank"):
                    batch.rejected.append(record)
            else:
                if self.speed is not None:
                    if pace is None:
                        pace = (self.clock.time(), record.published_at)
                    due = self._due(pace, record.published_at)
                    if due is None:  # a jump of more than MAX_PACE_WAIT_S (a date from 2099): not waited for
                        pace, due = (self.clock.time(), record.published_at), self.clock.time()
                    if due > self.clock.time():
                        if batch.items or batch.rejected:
                            batch.cursor = {"line": line - 1}
                            yield batch
                            self._progress(line - 1, total)
                            batch = Batch()
                        await self.clock.sleep(due - self.clock.time())
                batch.items.append(record)
            if len(batch.items) + len(batch.rejected) >= self.batch_size:
                batch.cursor = {"line": line}
                yield batch
                self._progress(line, total)
                batch = Batch()
        batch.cursor = {"line": line}
        yield batch
        self._progress(line, total)

    def _due(self, pace: tuple[float, datetime], published_at: datetime) -> float | None:
        """When ``published_at`` is due at this speed, or None when that is more than ``MAX_PACE_WAIT_S``
        away (either way) or cannot be computed (year 1 at +14:00)."""
        assert self.speed is not None
        try:
            offset = (published_at - pace[1]).total_seconds() / self.speed
        except (OverflowError, ValueError):
            return None
        due = pace[0] + offset
        return due if abs(due - self.clock.time()) <= MAX_PACE_WAIT_S else None

    def _progress(self, done: int, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(done, max(total, done))
