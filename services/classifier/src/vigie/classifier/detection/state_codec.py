"""The one way a territory's detection state is read from JSON and written to it: :func:`load_state` and
:func:`dump_state`.

Every state carries its format's version under ``"v"`` (:data:`~vigie.classifier.detection.state.STATE_VERSION`,
1 since the first release). :func:`load_state` checks it: a state of a newer version (written by a newer release:
this one cannot know what its keys mean) or of no known version is rejected with :class:`StateVersionError`,
never guessed at; a version-1 state written by an older release is brought to the current layout:

* evidence keys added after the first release (``cl``, ``first``, ``seen``, ``neg``) are filled in empty, and a
  ``seen`` author filter of an earlier shape is started afresh (what the evidence did with them on first use);
* stored evidence rows written before they kept their near-duplicate signature get it (computed from their text,
  as it was on use).

Keys the detector itself creates on first use or keeps only under some settings (``cu``, ``peaks``, the
baseline's moment sums, the ring's ``wx``) stay absent: the state's TypedDicts mark them ``NotRequired``
and the detector reads them so. A seen-mentions set stored in an entry of its own (``_seen:<territory>``, an
older layout of the state *mapping*) is read by :class:`~vigie.classifier.detection.PartitionDriver`, which sees
the mapping.

:func:`dump_state` writes compact UTF-8 JSON (pydantic-core's serialiser, infinities and NaN as JSON's usual
extensions): the bytes the checkpoint stores. ``load_state(dump_state(state)) == state``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from pydantic_core import to_json

from vigie.classifier.detection import evidence
from vigie.classifier.detection.errors import DetectionError
from vigie.classifier.detection.state import STATE_VERSION, TerritoryState

#: Keys every territory state has had since the first release.
_REQUIRED = ("v", "clock", "closed", "base", "ring", "inc", "resolved", "ev")


class StateFormatError(DetectionError):
    """A stored detection state cannot be read: not a territory state, or missing keys every version has."""

    reason = "state_format"


class StateVersionError(StateFormatError):
    """A stored detection state's format version is not one this release reads (newer, or unknown)."""

    reason = "state_version"

    def __init__(self, version: object) -> None:
        if type(version) is int and version > STATE_VERSION:
            detail = f"newer than the version {STATE_VERSION} this release reads (written by a newer release?)"
        else:
            detail = f"not a known version (this release reads versions 1 to {STATE_VERSION})"
        super().__init__(f"detection state format version {version!r} is {detail}")
        self.version = version


def load_state(raw: bytes | str | Mapping[str, Any]) -> TerritoryState:
    """A territory's state from its JSON (or from the JSON's parsed object, which is then updated in place and
    returned), version checked and older layouts migrated (see the module docstring).

    Raises :class:`StateVersionError` for a state of a newer or unknown version, :class:`StateFormatError` for
    anything that is not a territory state."""
    value: object = json.loads(raw) if isinstance(raw, bytes | str) else raw
    if not isinstance(value, dict):
        raise StateFormatError(f"a detection state is a JSON object, not {type(value).__name__}")
    if "v" not in value:
        raise StateFormatError("not a detection state: no format version (key 'v')")
    version = value["v"]
    if type(version) is not int or not 1 <= version <= STATE_VERSION:
        raise StateVersionError(version)
    missing = [key for key in _REQUIRED if key not in value]
    if missing:
        raise StateFormatError(f"detection state of version {version} lacks {', '.join(missing)}")
    if not isinstance(value["ev"], dict) or not isinstance(value["ev"].get("top"), list):
        raise StateFormatError(f"detection state of version {version}: its evidence ('ev') is not an object with 'top'")
    evidence.upgrade(value["ev"])
    return cast(TerritoryState, value)


def dump_state(state: TerritoryState) -> bytes:
    """The state as compact UTF-8 JSON (the bytes a checkpoint stores)."""
    return to_json(state, inf_nan_mode="constants")
