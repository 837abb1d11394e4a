"""Silences kept in a JSON file, so they survive restarts (written atomically on every change)."""

from __future__ import annotations

import json
from pathlib import Path

from vigie.notifier.silences import Silence, Silences


def load_silences(path: Path | None) -> Silences:
    if path is None or not path.exists():
        return Silences()
    data = json.loads(path.read_text(encoding="utf-8"))
    return Silences([Silence.from_json(item) for item in data.get("silences", [])])


def save_silences(path: Path | None, silences: Silences) -> None:
    if path is None:
        return
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps({"silences": [s.to_json() for s in silences.all()]}, indent=1), encoding="utf-8")
    temporary.replace(path)
