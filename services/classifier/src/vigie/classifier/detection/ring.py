"""The last day of event-time buckets of one territory: negative, total and reach-weighted negative counts,
and the count the baseline expected in each bucket when the bucket began.

Stored densely as four lists indexed by ``bucket % length`` with ``head`` the newest bucket index, so the
state has a fixed, small size and a window sum costs a few list reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Ring = dict[str, Any]


def new_ring(length: int, head: int) -> Ring:
    return {"head": head, "neg": [0] * length, "tot": [0] * length, "w": [0.0] * length, "e": [0.0] * length}


def roll_to(ring: Ring, bucket: int, expect: Callable[[int], float], first: int | None = None) -> None:
    """Make ``bucket`` the newest bucket, clearing the buckets after the old head (or from ``first``) and
    recording what the baseline expects in each of them."""
    head = ring["head"] if first is None else first - 1
    if bucket <= head:
        return
    length = len(ring["neg"])
    neg, tot, weighted, expected = ring["neg"], ring["tot"], ring["w"], ring["e"]
    for index in range(max(head + 1, bucket - length + 1), bucket + 1):
        slot = index % length
        neg[slot] = 0
        tot[slot] = 0
        weighted[slot] = 0.0
        expected[slot] = round(expect(index), 4)
    ring["head"] = bucket


def holds(ring: Ring, bucket: int) -> bool:
    head: int = ring["head"]
    return head - len(ring["neg"]) < bucket <= head


def add(ring: Ring, bucket: int, negative: float, total: float, weighted: float) -> None:
    """Count into ``bucket`` (which the ring must hold)."""
    slot = bucket % len(ring["neg"])
    ring["neg"][slot] += negative
    ring["tot"][slot] += total
    if weighted:
        ring["w"][slot] = round(ring["w"][slot] + weighted, 3)


def counts(ring: Ring, bucket: int) -> tuple[int, int, float]:
    """(negative, total, weighted) of ``bucket``; zeros for buckets the ring no longer or not yet holds."""
    if not holds(ring, bucket):
        return 0, 0, 0.0
    slot = bucket % len(ring["neg"])
    return ring["neg"][slot], ring["tot"][slot], ring["w"][slot]


def expected_in(ring: Ring, bucket: int) -> float:
    """What the baseline expected in ``bucket`` when it began (0 outside the ring)."""
    if not holds(ring, bucket):
        return 0.0
    value: float = ring["e"][bucket % len(ring["e"])]
    return value


def expected_window(ring: Ring, last: int, width: int) -> float:
    """Expected sum over the ``width`` buckets ending with ``last`` (inclusive)."""
    length = len(ring["e"])
    expected = ring["e"]
    low = max(last - width + 1, ring["head"] - length + 1)
    return float(sum(expected[index % length] for index in range(low, min(last, ring["head"]) + 1)))


def window(ring: Ring, last: int, width: int) -> tuple[int, int, float]:
    """Sums over the ``width`` buckets ending with ``last`` (inclusive)."""
    length = len(ring["neg"])
    neg, tot, weighted = ring["neg"], ring["tot"], ring["w"]
    low = max(last - width + 1, ring["head"] - length + 1)
    high = min(last, ring["head"])
    n = t = 0
    w = 0.0
    for index in range(low, high + 1):
        slot = index % length
        n += neg[slot]
        t += tot[slot]
        w += weighted[slot]
    return n, t, w
