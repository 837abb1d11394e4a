"""Themes: the terms, hashtags and landmarks that characterise a period against the territory's baseline.

Counts are document frequencies (how many mentions of the period contain the term), so one post repeating
a word does not make a theme. The baseline is the decayed sum of the territory's previous periods. A theme
is a term significantly more frequent in the period than in the baseline (Dunning's G², see
:mod:`vigie.digest.keyness`, ranked by it) whose real ratio of shares (``lift``) is at least the option's
minimum; a term the baseline never had is new (no ratio). A territory without a baseline yet gets its most
frequent terms, without a ratio: nothing is "above normal" before there is a normal. French and English
stop-words are never themes.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigie.digest.keyness import SIGNIFICANT_G2, log_likelihood
from vigie.digest.keyness import STOPWORDS as KEYNESS_STOPWORDS
from vigie.schemas import Territory, Theme, ThemeKind, ThemesBasis

_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"@[\w.\-]+")
_HASHTAG = re.compile(r"#(\w{2,64})")
#: Runs of letters joined by single apostrophes or hyphens (``aujourd'hui``, ``pont-neuf``); a word is such a
#: run of at least two characters (see :func:`_words`). One run per match, not a lookahead per character: half
#: the time of ``[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))+``, which finds the same words.
_LETTER_RUNS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _words(text: str) -> list[str]:
    return [run for run in _LETTER_RUNS.findall(text) if len(run) >= 2]


#: French elisions stripped from the front of a word (l'eau -> eau, qu'il -> il).
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]")


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: Non-ASCII character -> its compatibility decomposition without its combining marks (see :func:`fold`).
#: Bounded: emptied when it reaches ``_MAX_FOLDED_CHARACTERS`` (a text cycling through Unicode).
_folded_characters: dict[str, str] = {}
_MAX_FOLDED_CHARACTERS = 8192


def _fold_character(match: re.Match[str]) -> str:
    character = match.group()
    folded = _folded_characters.get(character)
    if folded is None:
        decomposed = unicodedata.normalize("NFKD", character)
        folded = "".join(char for char in decomposed if not unicodedata.combining(char))
        if len(_folded_characters) >= _MAX_FOLDED_CHARACTERS:
            _folded_characters.clear()
        _folded_characters[character] = folded
    return folded


def fold(text: str) -> str:
    """Lowercase without accents (compatibility decomposition, combining marks dropped), for matching and
    stopwords. Character by character, as only the non-ASCII ones change: the same as the whole text at once, as a
    decomposition depends on its character alone and the canonical reordering that follows only moves combining
    marks, which are dropped."""
    lowered = text.casefold()
    if lowered.isascii():
        return lowered
    return _NON_ASCII.sub(_fold_character, lowered)


#: :data:`~vigie.digest.keyness.STOPWORDS` as words are compared here: accents folded, elisions stripped.
STOPWORDS = frozenset(fold(_ELISION.sub("", word)) for word in KEYNESS_STOPWORDS)


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    """:func:`fold` of one word, cached: the vocabulary of a stream is small next to its volume."""
    return fold(word)


@dataclass(frozen=True, slots=True)
class ThemeExtractor:
    """Finds the theme keys (``term:…``, ``hashtag:…``, ``landmark:…``) of a mention of one territory."""

    landmarks: tuple[tuple[str, str], ...]
    excluded_terms: frozenset[str]
    excluded_hashtags: frozenset[str]

    @classmethod
    def for_territory(cls, territory: Territory | None) -> ThemeExtractor:
        if territory is None:
            return cls((), frozenset(), frozenset())
        names = (territory.name, *territory.aliases)
        excluded = {fold(word) for name in names for word in _words(name)}
        return cls(
            landmarks=tuple((fold(landmark), landmark) for landmark in territory.landmarks),
            excluded_terms=frozenset(excluded),
            excluded_hashtags=frozenset(fold(tag) for tag in territory.hashtags),
        )

    def keys(self, text: str) -> set[str]:
        """Every theme key present in ``text`` (each once); interned, as every open period keeps them."""
        # Each pattern only where its first character can match (most posts have no URL, handle or hashtag).
        cleaned = _URL.sub(" ", text) if "http" in text or "www." in text else text
        if "@" in cleaned:
            cleaned = _HANDLE.sub(" ", cleaned)
        keys: set[str] = set()
        words = cleaned
        if "#" in cleaned:
            for tag in _HASHTAG.findall(cleaned):
                folded = _fold_word(tag)
                if folded not in self.excluded_hashtags:
                    keys.add(sys.intern(f"hashtag:{tag.casefold()}"))
            words = _HASHTAG.sub(" ", cleaned)
        folded_text = fold(words) if self.landmarks else ""
        landmark_words: set[str] = set()
        for folded_landmark, landmark in self.landmarks:
            if folded_landmark in folded_text:
                keys.add(f"landmark:{landmark}")
                landmark_words.update(_words(folded_landmark))
        excluded_terms = self.excluded_terms
        for found in _LETTER_RUNS.findall(words):
            term = _known_runs.get(found)
            if term is None:
                term = _learn(found)
            if term and term[0] not in excluded_terms and term[0] not in landmark_words:
                keys.add(term[1])
        return keys


#: A run of letters (see :data:`_LETTER_RUNS`) -> (its folded word, its ``term:`` key), or () when it is no term
#: of any territory (shorter than two letters, or a stop-word once folded): the vocabulary of a stream is small
#: next to its volume. Bounded: emptied when it reaches ``_MAX_KNOWN_RUNS``.
_known_runs: dict[str, tuple[str, str] | tuple[()]] = {}
_MAX_KNOWN_RUNS = 65536


def _learn(found: str) -> tuple[str, str] | tuple[()]:
    """The term of a run not in ``_known_runs`` yet, remembered there."""
    term: tuple[str, str] | tuple[()] = ()
    if len(found) >= 2:  # as _words()
        word = _ELISION.sub("", found) if "'" in found or "’" in found else found
        lowered = word.casefold()
        # fold(word) without the cache's call when it is just the lowercase (most words).
        folded = lowered if lowered.isascii() else _fold_word(word)
        if len(folded) >= 3 and folded not in STOPWORDS:
            term = (folded, sys.intern(f"term:{lowered}"))
    if len(_known_runs) >= _MAX_KNOWN_RUNS:
        _known_runs.clear()
    _known_runs[found] = term
    return term


@dataclass
class TermBaseline:
    """A territory's decayed term counts over its previous periods (bounded to the most frequent terms)."""

    mentions: float = 0.0
    counts: dict[str, float] = field(default_factory=dict)

    def absorb(self, period_counts: Mapping[str, int], period_mentions: int, decay: float, max_terms: int) -> None:
        """Decay the baseline by one period and add the period that just closed."""
        self.mentions = self.mentions * decay + period_mentions
        merged = {term: count * decay for term, count in self.counts.items()}
        for term, count in period_counts.items():
            merged[term] = merged.get(term, 0.0) + count
        if len(merged) > max_terms:
            kept = sorted(merged.items(), key=lambda item: (-item[1], item[0]))[:max_terms]
            merged = dict(kept)
        self.counts = merged

    def to_state(self) -> dict[str, Any]:
        return {"mentions": self.mentions, "counts": self.counts}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> TermBaseline:
        return cls(mentions=float(state["mentions"]), counts={k: float(v) for k, v in state["counts"].items()})


def select_themes(
    counts: Mapping[str, int],
    total: int,
    baseline: TermBaseline,
    *,
    min_count: int,
    min_lift: float,
    limit: int,
) -> tuple[tuple[Theme, ...], ThemesBasis]:
    """The period's themes and their basis (see the module's docstring): by G² keyness against ``baseline``,
    best first, or by count when the territory has no baseline yet (ties by count, then term)."""
    if total == 0:
        return (), "baseline"
    if baseline.mentions <= 0:
        frequent = sorted((item for item in counts.items() if item[1] >= min_count), key=lambda i: (-i[1], i[0]))
        return tuple(_theme(term, count, None) for term, count in frequent[:limit]), "frequency"
    ranked: list[tuple[float, int, str, float | None]] = []
    for term, count in counts.items():
        if count < min_count:
            continue
        base = baseline.counts.get(term, 0.0)
        ratio = (count / total) / (base / baseline.mentions) if base > 0 else None
        if ratio is not None and ratio < min_lift:
            continue
        keyness = log_likelihood(count, total, base, baseline.mentions)
        if keyness < SIGNIFICANT_G2:
            continue
        ranked.append((keyness, count, term, ratio))
    ranked.sort(key=lambda row: (-row[0], -row[1], row[2]))
    return tuple(_theme(term, count, ratio) for _, count, term, ratio in ranked[:limit]), "baseline"


def _theme(key: str, count: int, ratio: float | None) -> Theme:
    kind, _, term = key.partition(":")
    theme_kind: ThemeKind = "hashtag" if kind == "hashtag" else "landmark" if kind == "landmark" else "term"
    return Theme(term=term, kind=theme_kind, count=count, lift=None if ratio is None else round(ratio, 4))
