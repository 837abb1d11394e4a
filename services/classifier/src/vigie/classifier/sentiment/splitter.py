"""Hashtag segmentation: ``plagefermée`` -> ``plage fermée`` with a unigram vocabulary (Viterbi over word
log-frequencies). The vocabulary is learnt from the training texts and shipped with the model; a hashtag that
cannot be covered by known words of two letters or more is kept whole.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache

_MAX_WORD = 20
_MAX_HASHTAG = 60


class HashtagSplitter:
    """Splits a lower-cased hashtag body into known words (see the module docstring)."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        total = sum(counts.values()) or 1
        self.words_by_frequency = [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
        self._cost = {word: -math.log(count / total) for word, count in counts.items() if len(word) >= 2}
        self.split = lru_cache(maxsize=65536)(self._split)

    @classmethod
    def from_words(cls, words_by_frequency: Iterable[str]) -> HashtagSplitter:
        """From words listed most frequent first (a Zipf law stands in for their counts)."""
        return cls({word: max(1, 1_000_000 // rank) for rank, word in enumerate(words_by_frequency, start=1)})

    def _split(self, body: str) -> str:
        if len(body) > _MAX_HASHTAG or body in self._cost:
            return body
        size = len(body)
        best = [math.inf] * (size + 1)
        back = [0] * (size + 1)
        best[0] = 0.0
        for end in range(1, size + 1):
            for start in range(max(0, end - _MAX_WORD), end):
                if best[start] == math.inf:
                    continue
                cost = self._cost.get(body[start:end])
                if cost is not None and best[start] + cost < best[end]:
                    best[end] = best[start] + cost
                    back[end] = start
        if best[size] == math.inf:
            return body
        words: list[str] = []
        end = size
        while end > 0:
            words.append(body[back[end] : end])
            end = back[end]
        return " ".join(reversed(words))
