"""Persistent state of the collector in one directory: per-source cursors and the dedup journal.

* ``cursors/<source>.json`` — written atomically (temporary file, fsync, rename) after the broker
  acknowledged the batch the cursor follows, so a crash at any instant leaves either the old or the new cursor.
* ``dedup.jsonl`` — an append-only journal of emitted mentions (``{"k": key, "t": text fingerprint, "a": author}``, plus ``"m"``: the mention id when the key is not it),
  appended before the cursor is saved; compacted to what the deduplicator remembers at start-up and
  whenever it exceeds twice the dedup capacity. A torn last line (crash mid-write) is ignored.

Together: a restart neither loses a mention (the cursor only moves after the ack) nor re-emits one (an
item fetched again is found in the journal).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from vigie.collector.dedup import SeenEntry
from vigie.collector.items import Cursor

log = logging.getLogger(__name__)


def _file_name(source_name: str) -> str:
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "_", source_name).strip("_")[:80]
    name_hash = hashlib.sha256(source_name.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{name_hash}.json"


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


class StateStore:
    """Cursors and the dedup journal under ``directory`` (created if missing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        (directory / "cursors").mkdir(parents=True, exist_ok=True)
        self._journal_path = directory / "dedup.jsonl"
        self._journal: IO[str] | None = None
        #: Lines in the journal; :meth:`needs_compaction` says when to :meth:`compact` it.
        self.journal_lines = 0

    def load_cursor(self, source_name: str) -> Cursor | None:
        path = self.directory / "cursors" / _file_name(source_name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.error("unreadable cursor ignored", extra={"source": source_name, "error": str(exc)})
            return None
        cursor = data.get("cursor") if isinstance(data, dict) else None
        return cursor if isinstance(cursor, dict) else None

    def save_cursor(self, source_name: str, cursor: Cursor) -> None:
        body = json.dumps({"source": source_name, "cursor": cursor}, sort_keys=True)  # ASCII: any id survives
        write_atomically(self.directory / "cursors" / _file_name(source_name), body.encode("utf-8"))

    def load_dedup(self, capacity: int) -> list[SeenEntry]:
        """The journal's last ``capacity`` entries; rewrites the journal compacted."""
        entries: dict[str, SeenEntry] = {}
        try:
            with self._journal_path.open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        item = json.loads(line)
                        entry = SeenEntry(str(item["k"]), item.get("t"), item.get("a"), item.get("m"))
                    except (ValueError, KeyError, TypeError):
                        continue
                    entries.pop(entry.mention_key, None)
                    entries[entry.mention_key] = entry
        except FileNotFoundError:
            return []
        kept = list(entries.values())[-capacity:]
        self.compact(kept)
        return kept

    def needs_compaction(self, capacity: int) -> bool:
        return self.journal_lines > 2 * capacity

    def compact(self, entries: list[SeenEntry]) -> None:
        """Replace the journal by ``entries`` (what the deduplicator still remembers), atomically."""
        self.close()
        body = "".join(self._line(entry) for entry in entries)
        write_atomically(self._journal_path, body.encode("utf-8"))
        self.journal_lines = len(entries)

    @staticmethod
    def _line(entry: SeenEntry) -> str:
        line = {"k": entry.mention_key, "t": entry.text_fingerprint, "a": entry.author_key}
        if entry.mention_id is not None:
            line["m"] = entry.mention_id
        return json.dumps(line) + "\n"

    def append_dedup(self, entries: Iterable[SeenEntry]) -> None:
        """Journal emitted mentions (flushed to the OS before returning)."""
        if self._journal is None:
            self._journal = self._journal_path.open("a", encoding="utf-8")
        lines = [self._line(entry) for entry in entries]
        self._journal.write("".join(lines))
        self._journal.flush()
        self.journal_lines += len(lines)

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
