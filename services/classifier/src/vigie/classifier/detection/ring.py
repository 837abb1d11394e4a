"""The last day of event-time buckets of one territory: negative, total and reach-weighted negative counts,
and the count the baseline expected in each bucket when the bucket began.

Two parts, so the state stays small and fast to (de)serialise on every mention:

* ``recent``: the newest buckets (enough for the longest test window and the allowed lateness), as dense
  lists of integers indexed by ``bucket % length`` (weights in hundredths, with each bucket's largest single
  weight, expectations in 1/10,000);
* ``hist``: the older buckets of the day, as one compact string ``"neg,tot,expected neg,tot,expected ..."``
  (oldest first), only read to draw the evidence series.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vigie.classifier.detection.state import Ring

WEIGHT_UNIT = 100
EXPECTED_UNIT = 10_000


def new_ring(recent: int, history: int, head: int) -> Ring:
    ring: Ring = {
        "head": head,
        "neg": [0] * recent,
        "tot": [0] * recent,
        "w": [0] * recent,
        "wx": [0] * recent,
        "e": [0] * recent,
        "hist": "",
        "hn": 0,
        "hmax": history,
    }
    return ring


def roll_to(ring: Ring, bucket: int, expect: Callable[[int], float], first: int | None = None) -> None:
    """Make ``bucket`` the newest bucket: buckets leaving ``recent`` move to the history, new ones are cleared
    and get what the baseline expects in them. ``first`` starts a fresh ring at that bucket."""
    head = ring["head"] if first is None else first - 1
    if bucket <= head:
        return
    neg, tot, weighted, expected = ring["neg"], ring["tot"], ring["w"], ring["e"]
    top = ring.setdefault("wx", [0] * len(neg))
    length = len(neg)
    entries: list[str] = []
    if first is None:
        for index in range(max(head - length + 1, bucket - length - ring["hmax"] + 1), bucket - length + 1):
            if index <= head:
                slot = index % length
                entries.append(f"{neg[slot]},{tot[slot]},{expected[slot]}")
            else:  # a gap longer than the recent part: nothing was counted there
                entries.append(f"0,0,{round(expect(index) * EXPECTED_UNIT)}")
    for index in range(max(head + 1, bucket - length + 1), bucket + 1):
        slot = index % length
        neg[slot] = 0
        tot[slot] = 0
        weighted[slot] = 0
        top[slot] = 0
        expected[slot] = round(expect(index) * EXPECTED_UNIT)
    ring["head"] = bucket
    if entries:
        _append_history(ring, entries)


def forget_expectations(ring: Ring, buckets: range) -> None:
    """Expect nothing in the recent ``buckets`` (no data came for them: a window's sums leave them out)."""
    expected = ring["e"]
    length = len(expected)
    for bucket in range(max(buckets.start, ring["head"] - length + 1), min(buckets.stop, ring["head"] + 1)):
        expected[bucket % length] = 0


def _append_history(ring: Ring, entries: list[str]) -> None:
    text = " ".join(entries) if not ring["hist"] else ring["hist"] + " " + " ".join(entries)
    count = ring["hn"] + len(entries)
    excess = count - ring["hmax"]
    if excess > 0:
        cut = -1
        for _ in range(excess):
            cut = text.index(" ", cut + 1)
        text = text[cut + 1 :]
        count = ring["hmax"]
    ring["hist"] = text
    ring["hn"] = count


def holds(ring: Ring, bucket: int) -> bool:
    """Whether ``bucket`` is in the recent part."""
    head = ring["head"]
    return head - len(ring["neg"]) < bucket <= head


def add(ring: Ring, bucket: int, negative: float, total: float, weighted: float) -> None:
    """Count into ``bucket`` (which must be in the recent part)."""
    slot = bucket % len(ring["neg"])
    ring["neg"][slot] += negative
    ring["tot"][slot] += total
    if weighted:
        units = round(weighted * WEIGHT_UNIT)
        ring["w"][slot] += units
        top = ring.get("wx") or ring.setdefault("wx", [0] * len(ring["neg"]))  # a state from before "wx"
        if units > top[slot]:
            top[slot] = units


def top_weight(ring: Ring, last: int, width: int) -> float:
    """The largest single weight counted in the ``width`` recent buckets ending with ``last``."""
    top = ring.get("wx")
    if top is None:
        return 0.0
    buckets = _recent_range(ring, last, width)
    if not buckets:
        return 0.0
    # At most one lap of the ring (see _recent_range): one or two slices, as _slot_sum.
    length = len(top)
    start = buckets.start % length
    stop = start + len(buckets)
    if stop <= length:
        return max(top[start:stop]) / WEIGHT_UNIT
    return max(max(top[start:]), max(top[: stop - length])) / WEIGHT_UNIT


def counts(ring: Ring, bucket: int) -> tuple[float, float, float]:
    """(negative, total, weighted) of a recent bucket; zeros for buckets not (or no longer) recent."""
    if not holds(ring, bucket):
        return 0, 0, 0.0
    slot = bucket % len(ring["neg"])
    return ring["neg"][slot], ring["tot"][slot], ring["w"][slot] / WEIGHT_UNIT


def expected_in(ring: Ring, bucket: int) -> float:
    """What the baseline expected in a recent ``bucket`` when it began (0 outside the recent part)."""
    if not holds(ring, bucket):
        return 0.0
    return ring["e"][bucket % len(ring["e"])] / EXPECTED_UNIT


def _recent_range(ring: Ring, last: int, width: int) -> range:
    length = len(ring["neg"])
    return range(max(last - width + 1, ring["head"] - length + 1), min(last, ring["head"]) + 1)


def _slot_sum(values: Sequence[float], buckets: range) -> float:
    """Sum of ``values`` over the slots of consecutive ``buckets`` (at most one lap: slices, not a loop)."""
    if not buckets:
        return 0
    length = len(values)
    start = buckets.start % length
    stop = start + len(buckets)
    if stop <= length:
        return sum(values[start:stop])
    return sum(values[start:]) + sum(values[: stop - length])


def expected_window(ring: Ring, last: int, width: int) -> float:
    """Expected sum over the ``width`` recent buckets ending with ``last`` (inclusive)."""
    return _slot_sum(ring["e"], _recent_range(ring, last, width)) / EXPECTED_UNIT


def window(ring: Ring, last: int, width: int) -> tuple[float, float, float]:
    """(negative, total, weighted) sums over the ``width`` recent buckets ending with ``last`` (inclusive)."""
    buckets = _recent_range(ring, last, width)
    return (
        _slot_sum(ring["neg"], buckets),
        _slot_sum(ring["tot"], buckets),
        _slot_sum(ring["w"], buckets) / WEIGHT_UNIT,
    )


def windows(ring: Ring, last: int, widths: Sequence[int]) -> list[tuple[float, float, float, float]]:
    """(negative, total, weighted, expected) sums over the ``width`` recent buckets ending with ``last``, for each
    of the increasing ``widths``: :func:`window` and :func:`expected_window` of each, in one pass over the
    buckets (integer sums: the same values whatever the order)."""
    neg, tot, weighted, expected = ring["neg"], ring["tot"], ring["w"], ring["e"]
    length = len(neg)
    head = ring["head"]
    oldest = head - length + 1
    bucket = min(last, head)
    negative: float = 0
    total: float = 0
    weight = expectation = 0
    sums: list[tuple[float, float, float, float]] = []
    for width in widths:
        first = max(last - width + 1, oldest)
        while bucket >= first:
            slot = bucket % length
            negative += neg[slot]
            total += tot[slot]
            weight += weighted[slot]
            expectation += expected[slot]
            bucket -= 1
        sums.append((negative, total, weight / WEIGHT_UNIT, expectation / EXPECTED_UNIT))
    return sums


def day(ring: Ring) -> list[tuple[int, float, float, float]]:
    """(bucket, negative, total, expected) of every bucket the ring holds, oldest first."""
    head = ring["head"]
    length = len(ring["neg"])
    rows: list[tuple[int, float, float, float]] = []
    if ring["hist"]:
        entries = ring["hist"].split(" ")
        first = head - length - len(entries) + 1
        for offset, entry in enumerate(entries):
            negative, total, expected = entry.split(",")
            rows.append((first + offset, int(negative), int(total), int(expected) / EXPECTED_UNIT))
    for index in range(head - length + 1, head + 1):
        slot = index % length
        rows.append((index, ring["neg"][slot], ring["tot"][slot], ring["e"][slot] / EXPECTED_UNIT))
    return rows
