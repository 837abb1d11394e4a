"""The ring's window sums (slices over the circular recent part) equal bucket-by-bucket sums."""

from __future__ import annotations

import random

from vigie.classifier.detection.ring import EXPECTED_UNIT, add, expected_window, new_ring, roll_to, window, windows


def test_window_sums_match_bucket_by_bucket_sums_across_the_wrap() -> None:
    rng = random.Random(5)
    ring = new_ring(15, 0, 0)
    counted: dict[int, tuple[int, int, float, float]] = {b: (0, 0, 0.0, 0.0) for b in range(-15, 1)}
    for head in range(1, 60):
        roll_to(ring, head, lambda bucket: bucket / 7)
        negative, total, weighted = rng.randrange(5), rng.randrange(5, 10), rng.randrange(4) * 1.25
        add(ring, head, negative, total, weighted)
        counted[head] = (negative, total, weighted, round(head / 7 * EXPECTED_UNIT) / EXPECTED_UNIT)
        for last in range(head - 16, head + 2):
            for width in (1, 3, 12, 15, 20):
                held = [b for b in range(last - width + 1, last + 1) if head - 15 < b <= head]
                n, t, w = window(ring, last, width)
                assert (n, t) == (sum(counted[b][0] for b in held), sum(counted[b][1] for b in held))
                assert abs(w - sum(counted[b][2] for b in held)) < 1e-9
                assert abs(expected_window(ring, last, width) - sum(counted[b][3] for b in held)) < 1e-9


def test_one_pass_sums_of_every_window_equal_each_window_summed_on_its_own() -> None:
    rng = random.Random(11)
    ring = new_ring(16, 0, 0)
    widths = (1, 3, 12, 16, 20)
    for head in range(1, 70):
        roll_to(ring, head + rng.randrange(3), lambda bucket: bucket / 3)
        add(ring, ring["head"], rng.randrange(6), rng.randrange(6, 12), rng.randrange(5) * 1.37)
        for last in range(ring["head"] - 18, ring["head"] + 3):
            sums = windows(ring, last, widths)
            assert sums == [(*window(ring, last, width), expected_window(ring, last, width)) for width in widths]
