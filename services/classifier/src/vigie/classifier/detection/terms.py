"""Terms and hashtags of short posts, and bounded decayed term tables to compare an incident with its baseline.

A table is ``{"n": documents, "t": {term: documents containing it}}``. It keeps at most ``capacity`` terms
(the least frequent is evicted, ties by term order, so it is deterministic) and halves every count when its
document count passes ``horizon``: an exponentially fading memory at constant size.
"""

from __future__ import annotations

import re
from typing import Any

Table = dict[str, Any]

_TOKEN = re.compile(r"#?[^\W\d_][\w'’-]{2,}")
_MAX_TOKENS = 48
_STOPWORDS_TEXT = """
    les des une est pas pour que qui dans sur avec plus par mais ont son ses aux ces cette tout tous
    sont été être avoir fait comme nous vous ils elles leur leurs très bien aussi encore déjà donc alors
    quand car rien sans sous entre depuis vers chez même elle lui moi toi notre votre mes tes nos vos
    c'est n'est qu'il j'ai the and for that this with are was were have has had not but you your our
    they them their from what when where which who will would there here about just been than then
    into over only also more most some any all can could should its it's http https www com
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def tokens(text: str) -> tuple[set[str], set[str]]:
    """(words, hashtags) of a text, lowercased; hashtags without their ``#``."""
    words: set[str] = set()
    hashtags: set[str] = set()
    for token in _TOKEN.findall(text.lower())[:_MAX_TOKENS]:
        if token.startswith("#"):
            hashtags.add(token[1:])
        elif token not in STOPWORDS and len(token) >= 4:
            words.add(token.strip("'’-"))
    return words, hashtags


def new_table() -> Table:
    return {"n": 0.0, "t": {}}


def count(table: Table, terms: set[str], capacity: int, horizon: float) -> None:
    """Count one document containing ``terms``."""
    counts: dict[str, float] = table["t"]
    for term in sorted(terms):
        if term in counts:
            counts[term] += 1.0
            continue
        if len(counts) >= capacity:
            # The least frequent term, ties by term order (min over the values first: no key function call
            # per term, as every new term of a full table evicts one).
            lowest = min(counts.values())
            del counts[min(name for name, value in counts.items() if value == lowest)]
        counts[term] = 1.0
    table["n"] += 1.0
    if table["n"] > horizon:
        table["n"] /= 2.0
        table["t"] = {term: value / 2.0 for term, value in counts.items() if value >= 1.0}


def lifted(incident: Table, baseline: Table, limit: int, min_count: float = 2.0) -> list[tuple[str, int, float]]:
    """(term, count, lift) of the terms over-represented in ``incident`` vs ``baseline``, best first."""
    documents = max(incident["n"], 1.0)
    base_documents = baseline["n"] + 1.0
    rows: list[tuple[str, int, float]] = []
    for term, value in incident["t"].items():
        if value < min_count:
            continue
        lift = (value / documents) / ((baseline["t"].get(term, 0.0) + 0.5) / base_documents)
        if lift >= 1.5:
            rows.append((term, round(value), round(lift, 3)))
    rows.sort(key=lambda row: (-row[2], -row[1], row[0]))
    return rows[:limit]
