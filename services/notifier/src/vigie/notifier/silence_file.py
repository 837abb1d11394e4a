"""Silences kept in a JSON file, so they survive restarts (written atomically on every change).

Loading never stops the notifier: a silence the current version refuses (a pattern RE2 cannot compile,
written by an older version; a missing field) is skipped with a log line naming it, and a file that is not
JSON at all is moved aside to ``<name>.unreadable`` (kept for the operator) and the notifier starts with
no silences.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from vigie.notifier.silences import Silence, Silences

log = logging.getLogger(__name__)


def load_silences(path: Path | None) -> Silences:
    if path is None or not path.exists():
        return Silences()
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        items = data.get("silences", []) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ValueError("no 'silences' list")
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        aside = path.with_name(path.name + ".unreadable")
        log.error(
            "silences file unreadable: starting without silences, file moved aside",
            extra={"path": str(path), "moved_to": str(aside), "error": f"{type(exc).__name__}: {exc}"[:500]},
        )
        path.replace(aside)
        return Silences()
    silences = []
    for item in items:
        try:
            silences.append(Silence.from_json(item))
        except (KeyError, TypeError, ValueError) as exc:
            silence_id = item.get("id") if isinstance(item, dict) else None
            log.error(
                "skipping a stored silence this version cannot use",
                extra={"silence_id": str(silence_id)[:64], "error": f"{type(exc).__name__}: {exc}"[:500]},
            )
    return Silences(silences)


def save_silences(path: Path | None, silences: Silences) -> None:
    if path is None:
        return
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps({"silences": [s.to_json() for s in silences.all()]}, indent=1), encoding="utf-8")
    temporary.replace(path)
