"""Which mentions a territory's detector has already counted, so that a mention delivered twice counts once.

Producers deliver at least once (a collector re-sends a batch it was not sure of, a file is replayed twice), so
the same mention (same ``mention_id`` on the same territory: the CloudEvents id of a scored mention) can reach
detection twice, at different offsets. A duplicate is recognised by the pair (event second, 32-bit fingerprint
of its id): two distinct mentions are mistaken for one only if they share their second *and* their fingerprint.

Bounded memory. Only duplicates that detection would still count matter: a mention older than the territory's
event-time clock minus the allowed lateness is ignored as late anyway. The set keeps the ids of the seconds
within the allowed lateness of the latest second counted for the territory (which the territory's clock is at
least), and at most ``capacity`` ids (the oldest seconds go first): a duplicate arriving after its id was
dropped that way is counted again, the price of a bounded set.

State: plain JSON (it is checkpointed with the detector states, under :func:`seen_key`), compact:
``{"max": <latest second>, "ids": {"<second>": [<fingerprint>, ...]}}``.
"""

from __future__ import annotations

import zlib

from vigie.classifier.detection.state import SeenMentions

#: Every key of a seen-mentions set starts with it (never a territory slug).
SEEN_KEY_PREFIX = "_seen:"


def seen_key(territory_id: str) -> str:
    return f"{SEEN_KEY_PREFIX}{territory_id}"


def fingerprint(mention_id: str) -> int:
    """A stable 32-bit fingerprint of a mention id (the same in every process: not ``hash``)."""
    return zlib.crc32(mention_id.encode("utf-8", "surrogatepass"))


def new_seen() -> SeenMentions:
    return {"max": None, "ids": {}, "n": 0}


def contains(seen: SeenMentions | None, second: int, mark: int) -> bool:
    """Whether the mention (event ``second``, fingerprint ``mark``) was counted already."""
    if seen is None:
        return False
    marks = seen["ids"].get(str(second))
    return marks is not None and mark in marks


def add(seen: SeenMentions, second: int, mark: int, *, lateness: int, capacity: int) -> None:
    """Remember a counted mention, then forget what can no longer be a duplicate that counts (see the module
    docstring): seconds later than the latest one by more than ``lateness``, then the oldest over ``capacity``."""
    ids = seen["ids"]
    ids.setdefault(str(second), []).append(mark)
    seen["n"] += 1
    latest = seen["max"]
    if latest is None or second > latest:
        seen["max"] = latest = second
    # Amortised: the whole set is looked at only once it holds ``capacity`` ids more than after the last pruning.
    if seen["n"] <= capacity:
        return
    horizon = latest - lateness
    kept = sorted((int(s), marks) for s, marks in ids.items() if int(s) >= horizon)
    count = sum(len(marks) for _, marks in kept)
    # Still too many within the lateness: the oldest seconds go, down to three quarters of the capacity (so
    # that the next pruning is a quarter of it away).
    first = 0
    while count > capacity * 3 // 4:
        count -= len(kept[first][1])
        first += 1
    seen["ids"] = {str(s): marks for s, marks in kept[first:]}
    seen["n"] = count
