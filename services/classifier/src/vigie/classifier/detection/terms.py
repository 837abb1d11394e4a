"""Terms and hashtags of short posts, and bounded decayed term tables to compare an incident with its baseline.

A table is ``{"n": documents, "t": {term: documents containing it}}``. It keeps at most ``capacity`` terms with
the Space-Saving rule: a new term of a full table replaces the least frequent one (ties: the oldest entry, so
it is deterministic) and inherits its count plus one. A term that rises during an incident therefore climbs into the
table instead of being evicted again by the next new term (the counts of a full table are over-estimates by at
most the evicted count). Every count is halved when the document count passes ``horizon``: an exponentially
fading memory at constant size.

Keyness (:func:`keyness`) ranks the terms of an incident by Dunning's log-likelihood G² against the
territory's own baseline, over-represented terms only: frequent and specific terms first (``fioul``,
``#plagefermée``), rather than the rare terms that a plain lift puts first.
"""

from __future__ import annotations

import re

from vigie.classifier.detection.state import TermTable
from vigie.digest.keyness import STOPWORDS, log_likelihood

Table = TermTable

_TOKEN = re.compile(r"#?[^\W\d_][\w'’-]{2,}")
_MAX_TOKENS = 48
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]")
_POSSESSIVE = re.compile(r"['’]s$")


def _word(token: str) -> str:
    token = token.strip("'’-")
    if "'" not in token and "’" not in token:
        return token
    return _ELISION.sub("", _POSSESSIVE.sub("", token))


#: Token -> its word (:func:`_word`), or "" when it is no word (a stop-word or shorter than four letters): the
#: vocabulary of a stream is small next to its volume. Bounded: emptied when it reaches ``_MAX_KNOWN_TOKENS``.
_known_tokens: dict[str, str] = {}
_MAX_KNOWN_TOKENS = 65536


def _learn(token: str) -> str:
    """The word of a token not in ``_known_tokens`` yet, remembered there."""
    word = ""
    if token not in STOPWORDS:
        candidate = _word(token)
        if len(candidate) >= 4 and candidate not in STOPWORDS:
            word = candidate
    if len(_known_tokens) >= _MAX_KNOWN_TOKENS:
        _known_tokens.clear()
    _known_tokens[token] = word
    return word


def tokens(text: str) -> tuple[set[str], set[str]]:
    """(words, hashtags) of a text, lowercased; hashtags without their ``#``, words without elisions
    (``l'odeur`` → ``odeur``) nor possessives (``saint-malo's`` → ``saint-malo``) and without stop-words."""
    words: set[str] = set()
    hashtags: set[str] = set()
    for token in _TOKEN.findall(text.lower())[:_MAX_TOKENS]:
        if token[0] == "#":
            tag = token[1:].strip("'’-")
            if tag:
                hashtags.add(tag)
            continue
        word = _known_tokens.get(token)
        if word is None:
            word = _learn(token)
        if word:
            words.add(word)
    return words, hashtags


def new_table() -> Table:
    return {"n": 0.0, "t": {}}


def count(table: Table, terms: set[str], capacity: int, horizon: float) -> None:
    """Count one document containing ``terms`` (Space-Saving replacement when the table is full)."""
    counts = table["t"]
    # A lower bound of the counts once known (they only grow during a call, and a replacement enters above it):
    # while a term still has it, it is the least count, found without another pass over the table.
    least: float | None = None
    for term in sorted(terms):
        if term in counts:
            counts[term] += 1.0
            continue
        inherited = 0.0
        if len(counts) >= capacity:
            # The least frequent term, ties by table order (the oldest entry first: the order survives the
            # state's JSON round trip, so it is deterministic); the scan stops at the first tie.
            evicted = None
            if least is not None:
                inherited = least
                evicted = next((name for name, value in counts.items() if value == inherited), None)
            if evicted is None:
                inherited = least = min(counts.values())
                evicted = next(name for name, value in counts.items() if value == inherited)
            del counts[evicted]
        counts[term] = inherited + 1.0
    table["n"] += 1.0
    if table["n"] > horizon:
        table["n"] /= 2.0
        table["t"] = {term: value / 2.0 for term, value in counts.items() if value >= 1.0}


def keyness(incident: Table, baseline: Table, limit: int, min_count: float = 2.0) -> list[tuple[str, int, float]]:
    """(term, count, lift) of the terms over-represented in ``incident`` vs ``baseline``, by G² keyness, best
    first. ``lift`` is the smoothed ratio of frequencies (incident / baseline)."""
    documents = max(incident["n"], 1.0)
    base_documents = max(baseline["n"], 1.0)
    base_counts = baseline["t"]
    scored: list[tuple[float, str, int, float]] = []
    for term, value in incident["t"].items():
        if value < min_count:
            continue
        value = min(value, documents)
        base = min(base_counts.get(term, 0.0), base_documents)
        lift = (value / documents) / ((base + 0.5) / (base_documents + 1.0))
        if lift < 1.5:
            continue
        scored.append((log_likelihood(value, documents, base, base_documents), term, round(value), round(lift, 3)))
    scored.sort(key=lambda row: (-row[0], row[1]))
    return [(term, value, lift) for _, term, value, lift in scored[:limit]]


def lifted(incident: Table, baseline: Table, limit: int, min_count: float = 2.0) -> list[tuple[str, int, float]]:
    """The same rows as :func:`keyness` (kept for callers that name it by its former ranking)."""
    return keyness(incident, baseline, limit, min_count)
