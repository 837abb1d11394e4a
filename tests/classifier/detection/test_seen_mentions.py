"""The seen-mentions set: bounded, and it recognises every duplicate that detection would still count."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.classifier.detection import seen_mentions

LATENESS = 600


@settings(max_examples=200, deadline=None)
@given(
    seconds=st.lists(st.integers(0, 5000), min_size=1, max_size=400),
    capacity=st.integers(4, 64),
)
def test_bounded_and_exact_within_the_lateness_and_the_capacity(seconds: list[int], capacity: int) -> None:
    seen = seen_mentions.new_seen()
    counted: list[tuple[int, int]] = []
    for n, second in enumerate(seconds):
        mark = seen_mentions.fingerprint(f"mastodon:test:{n}")
        assert not seen_mentions.contains(seen, second, mark)  # distinct ids are never mistaken (here)
        seen_mentions.add(seen, second, mark, lateness=LATENESS, capacity=capacity)
        counted.append((second, mark))
        assert seen["n"] <= capacity
        assert seen["n"] == sum(len(marks) for marks in seen["ids"].values())
        seen = json.loads(json.dumps(seen))  # it is checkpointed as JSON between any two mentions
        # The most recent ids within the lateness of the latest second, up to three quarters of the capacity,
        # are always remembered.
        latest = max(s for s, _ in counted)
        recent = [(s, m) for s, m in counted if s >= latest - LATENESS]
        recent.sort(key=lambda item: item[0])
        kept = recent[-(capacity * 3 // 4) :]
        for s, m in kept:
            if s > kept[0][0] or len(kept) < capacity * 3 // 4:
                assert seen_mentions.contains(seen, s, m)


def test_the_fingerprint_is_stable_across_processes() -> None:
    assert seen_mentions.fingerprint("mastodon:piaille.fr:109876") == 3256623030
