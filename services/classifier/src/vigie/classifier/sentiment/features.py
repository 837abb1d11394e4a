"""Hashed word and character n-gram features, computed for a whole batch at once in numpy.

A batch of normalised texts is joined into one array of code points (``\\x00`` between texts; a ``\\x00``
inside a text is read as a space). Polynomial
hashes of every substring come from one prefix-hash array in wrapping uint64 arithmetic, so character
n-grams (``char_ngrams``, taken over `` text ``) and word n-grams (``word_ngrams``, tokens are separated by
single spaces) cost a few vectorised operations per n, whatever the batch size. Each n-gram kind has its own
salt; optional language-crossed copies of the word features (salted with the text's language) let one
multilingual model learn language-specific meanings ("con", "rape", "pain"...).

Hashes are deterministic (no Python ``hash()``): the same text gives the same features in every process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]

_BASE = np.uint64(0x100000001B3)  # odd, so invertible modulo 2**64
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEPARATOR = 0
_SPACE = 32
_NEGATION = ord("¬")
_WORD_SALT = 0x5BD1E995
_CHAR_SALT = 0x27D4EB2F
_LANG_SALT = 0x165667B1

#: Languages with their own crossed features; anything else shares the ``other`` slot.
LANGUAGE_SLOTS: tuple[str, ...] = ("other", "en", "fr", "es", "de", "it", "pt", "ar", "hi")


def language_slot(language: str | None) -> int:
    """The index of ``language`` in :data:`LANGUAGE_SLOTS` (0 for unknown or unsupported)."""
    if language is None:
        return 0
    try:
        return LANGUAGE_SLOTS.index(language)
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """What the hasher extracts; stored with a trained model, which is only valid with the same config."""

    bits: int = 20
    char_ngrams: tuple[int, ...] = (2, 3, 4, 5)
    word_ngrams: tuple[int, ...] = (1, 2)
    language_crossed_words: bool = True
    #: a negated word (``¬good``) also subtracts the plain word's feature, so negation flips learnt polarity
    negation_flip: bool = False

    @property
    def dimension(self) -> int:
        return 1 << self.bits


@dataclass(frozen=True, slots=True)
class FeatureBatch:
    """Sparse rows: feature ``indices[k]`` of text ``rows[k]`` with weight ``values[k]``."""

    size: int
    rows: I64
    indices: I64
    values: F32


def _powers(base: np.uint64, count: int) -> U64:
    powers = np.full(count, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, dtype=np.uint64)


def _inverse(base: int) -> int:
    return pow(base, -1, 1 << 64)


_MAX_CACHED = 1 << 16
_POW = _powers(_BASE, _MAX_CACHED)
_INV_POW = _powers(np.uint64(_inverse(int(_BASE))), _MAX_CACHED)


def _power_tables(length: int) -> tuple[U64, U64]:
    if length <= _MAX_CACHED:
        return _POW[:length], _INV_POW[:length]
    return _powers(_BASE, length), _powers(np.uint64(_inverse(int(_BASE))), length)


class FeatureHasher:
    """Turns normalised texts into a :class:`FeatureBatch` (see the module docstring)."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self._shift = np.uint64(64 - config.bits)

    def _bucket(self, hashes: U64, salt: int) -> I64:
        mixed = (hashes ^ np.uint64(salt)) * _MIX
        mixed ^= mixed >> np.uint64(29)
        mixed *= _MIX
        return (mixed >> self._shift).astype(np.int64)

    def transform(self, texts: Sequence[str], language_slots: Sequence[int] | None = None) -> FeatureBatch:
        """Features of normalised ``texts`` (``language_slots``: one :func:`language_slot` per text)."""
        size = len(texts)
        if size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return FeatureBatch(0, empty, empty, np.zeros(0, dtype=np.float32))
        body = " \x00 ".join(texts)
        if body.count("\x00") != size - 1:  # a text holds U+0000, the separator: read it as a space
            body = " \x00 ".join(text.replace("\x00", " ") for text in texts)
        joined = "\x00 " + body + " \x00"
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        length = codes.shape[0]
        powers, inverse_powers = _power_tables(length + 1)
        # prefix[i] = sum_{k<i} codes[k] * B^(i-1-k), via B^(i-1) * cumsum(codes[k] * B^-k)
        scaled = np.cumsum(codes * inverse_powers[:length], dtype=np.uint64)
        prefix = np.zeros(length + 1, dtype=np.uint64)
        prefix[1:] = scaled * powers[:length]
        is_separator = codes == _SEPARATOR
        separators_before = np.cumsum(is_separator)  # text index + 1 at any position inside text
        rows_parts: list[I64] = []
        index_parts: list[I64] = []
        flipped_rows: list[I64] = []
        flipped_indices: list[I64] = []

        def substring_hash(starts: I64, n: int | I64) -> U64:
            ends = starts + n
            hashes: U64 = prefix[ends] - prefix[starts] * powers[np.asarray(n, dtype=np.int64)]
            return hashes

        # character n-grams that do not cross a text boundary
        separator_prefix = np.concatenate(([0], separators_before))
        for n in self.config.char_ngrams:
            if length < n:
                continue
            starts = np.arange(length - n + 1, dtype=np.int64)
            inside = separator_prefix[starts + n] == separator_prefix[starts]
            starts = starts[inside]
            if starts.size == 0:
                continue
            rows_parts.append(separators_before[starts] - 1)
            index_parts.append(self._bucket(substring_hash(starts, n), _CHAR_SALT + n))

        # word n-grams: tokens are maximal runs without space or separator
        is_gap = is_separator | (codes == _SPACE)
        boundary = np.diff(np.concatenate(([1], is_gap.view(np.int8), [1])))
        word_starts = np.flatnonzero(boundary == -1).astype(np.int64)
        word_ends = np.flatnonzero(boundary == 1).astype(np.int64)
        if word_starts.size:
            word_rows = separators_before[word_starts] - 1
            word_hashes = substring_hash(word_starts, word_ends - word_starts)
            if self.config.negation_flip:
                negated = (codes[word_starts] == _NEGATION) & (word_ends - word_starts > 1)
                if negated.any():
                    plain = substring_hash(word_starts[negated] + 1, (word_ends - word_starts)[negated] - 1)
                    flipped_rows.append(word_rows[negated])
                    flipped_indices.append(self._bucket(plain, _WORD_SALT + 1))
            slots = None
            if self.config.language_crossed_words and language_slots is not None:
                slots = np.asarray(language_slots, dtype=np.uint64)
            for n in self.config.word_ngrams:
                count = word_starts.size - n + 1
                if count <= 0:
                    continue
                same_text = word_rows[n - 1 :] == word_rows[:count]
                hashes = word_hashes[:count].copy()
                for k in range(1, n):
                    hashes = hashes * _MIX + word_hashes[k : k + count]
                hashes = hashes[same_text]
                rows = word_rows[:count][same_text]
                rows_parts.append(rows)
                index_parts.append(self._bucket(hashes, _WORD_SALT + n))
                if slots is not None:
                    crossed = hashes ^ ((slots[rows] + np.uint64(1)) * np.uint64(_LANG_SALT))
                    rows_parts.append(rows)
                    index_parts.append(self._bucket(crossed, _WORD_SALT + 7 * n))
        rows_all = np.concatenate(rows_parts) if rows_parts else np.zeros(0, dtype=np.int64)
        indices = np.concatenate(index_parts) if index_parts else np.zeros(0, dtype=np.int64)
        counts = np.bincount(rows_all, minlength=size).astype(np.float32)
        norms = (1.0 / np.sqrt(np.maximum(counts, 1.0))).astype(np.float32)
        values = norms[rows_all]
        if flipped_rows:
            negative_rows = np.concatenate(flipped_rows)
            rows_all = np.concatenate((rows_all, negative_rows))
            indices = np.concatenate((indices, *flipped_indices))
            values = np.concatenate((values, -norms[negative_rows]))
        return FeatureBatch(size, rows_all, indices, values)
