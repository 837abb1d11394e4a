"""Place-name neutralisation: territory names, aliases and hashtags carry no sentiment.

Many place names are also opinion words (Nice, Orange, Tours, Bonneville, Belle-Île, Beaune, Saint-*Mal*o...),
and the sentiment models read them as such. Before scoring, every occurrence of a territory's term in the
text is replaced by :data:`PLACEHOLDER`, a symbol the ``fast`` model drops (it is a token boundary and
nothing else) and a sentence encoder reads as punctuation.

Matching follows the collector's folding: words are runs of letters and digits compared without case and
accents, so ``Belle-Île``, ``belle ile`` and ``BELLE-ILE`` are one phrase; a hashtag or an account spelling a
term without its separators (``#SaintMalo``) matches too, with its ``#``/``@``, whatever its case. A
one-word term written with a capital (``Nice``) only matches a word written with a capital (``Nice``,
``NICE``), so that the adjective in "the beach is nice" keeps its meaning; phrases of several words
(``saint-malo``) and lower-case terms match in any case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

#: What a place name becomes (U+2316 POSITION INDICATOR: never in the training tweets).
PLACEHOLDER = "\u2316"
_WORD = re.compile(r"[^\W_]+")
_MAX_PHRASE_WORDS = 8


@lru_cache(maxsize=65_536)
def fold(word: str) -> str:
    """Case- and accent-insensitive form of one word (``Île`` -> ``ile``)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True, slots=True)
class _Phrase:
    #: per word, whether the text must write its initial in capitals
    capitals: tuple[bool, ...]


class PlaceNames:
    """The terms of one or more territories, ready to be found in texts (see the module docstring)."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._phrases: dict[tuple[str, ...], _Phrase] = {}
        self._joined: dict[str, _Phrase] = {}
        self._first_words: set[str] = set()
        for term in terms:
            raw = _WORD.findall(term)[:_MAX_PHRASE_WORDS]
            if not raw:
                continue
            key = tuple(fold(word) for word in raw)
            phrase = _Phrase((raw[0][0].isupper(),) if len(raw) == 1 else (False,) * len(raw))
            self._phrases.setdefault(key, phrase)
            self._joined.setdefault("".join(key), _Phrase((phrase.capitals[0],)))
            self._first_words.add(key[0])
        self._longest = max((len(key) for key in self._phrases), default=0)
        #: the folded words a term can start with (as a phrase or written without separators)
        self._candidates = frozenset(self._first_words.union(self._joined))

    def __bool__(self) -> bool:
        return bool(self._phrases)

    def neutralise(self, text: str) -> str:
        """``text`` with every occurrence of a term replaced by :data:`PLACEHOLDER`."""
        if not self._phrases or not text:
            return text
        matches = list(_WORD.finditer(text))
        folded = [fold(match.group()) for match in matches]
        candidates = self._candidates
        if candidates.isdisjoint(folded):
            return text
        spans: list[tuple[int, int]] = []
        index = 0
        while index < len(matches):
            if folded[index] not in candidates:
                index += 1
                continue
            start = matches[index].start()
            tagged = start > 0 and text[start - 1] in "#@"
            end = self._phrase_end(matches, folded, index, tagged)
            if end is None:
                index += 1
                continue
            spans.append((start - 1 if tagged else start, matches[end - 1].end()))
            index = end
        if not spans:
            return text
        parts: list[str] = []
        position = 0
        for start, stop in spans:
            parts.append(text[position:start])
            parts.append(PLACEHOLDER)
            position = stop
        parts.append(text[position:])
        return "".join(parts)

    def _phrase_end(self, matches: list[re.Match[str]], folded: list[str], index: int, tagged: bool) -> int | None:
        """The end (exclusive word index) of the longest term starting at word ``index``, if any (``tagged``:
        the word follows ``#`` or ``@``, and a hashtag or account matches whatever its case)."""
        word = folded[index]
        if word in self._first_words:
            for length in range(min(self._longest, len(matches) - index), 0, -1):
                phrase = self._phrases.get(tuple(folded[index : index + length]))
                if phrase is not None and _capitals_agree(phrase, matches[index : index + length]):
                    return index + length
        joined = self._joined.get(word)
        if joined is not None and (tagged or _capitals_agree(joined, matches[index : index + 1])):
            return index + 1
        return None


def _capitals_agree(phrase: _Phrase, matches: list[re.Match[str]]) -> bool:
    return all(
        not capital or match.group()[0].isupper() for capital, match in zip(phrase.capitals, matches, strict=True)
    )


@lru_cache(maxsize=4096)
def place_names(terms: tuple[str, ...]) -> PlaceNames:
    """A (cached) :class:`PlaceNames` of ``terms``: mentions of one territory share their matched terms."""
    return PlaceNames(terms)


def neutralise_places(text: str, terms: tuple[str, ...]) -> str:
    """``text`` with the occurrences of ``terms`` replaced by :data:`PLACEHOLDER` (see the module docstring)."""
    if not terms:
        return text
    return place_names(terms).neutralise(text)
