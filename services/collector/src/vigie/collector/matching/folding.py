"""Accent and case folding, and the tokenisation every matching rule shares.

A term and a text are compared after the same treatment: Unicode compatibility decomposition, combining
marks dropped, ``casefold()``; words are maximal runs of letters and digits (``\\w`` without ``_``), so
``Saint-Malo``, ``saint malo`` and ``SAINT MALO`` are the same two words ``saint malo``, and an apostrophe
splits ``d'Orange`` into ``d`` and ``orange``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

WORD = re.compile(r"[^\W_]+")
HASHTAG = re.compile(r"#([^\W_][\w]*)")
ACCOUNT = re.compile(r"(?<![\w@])@([^\W_][\w.]*[^\W_.]|[^\W_])")


@lru_cache(maxsize=131_072)
def fold(word: str) -> str:
    """Case- and accent-insensitive form of one word (``Écluse`` -> ``ecluse``, ``Straße`` -> ``strasse``)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class Token(NamedTuple):
    """One word of a text: as written, and folded."""

    raw: str
    folded: str


def tokens(text: str) -> list[Token]:
    """The words of ``text`` in order."""
    return [Token(raw, fold(raw)) for raw in WORD.findall(text)]


def words(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text`` as written and folded, as two parallel lists (the fast path of matching)."""
    raw = WORD.findall(text)
    if text.isascii():
        return raw, WORD.findall(text.lower())
    return raw, [fold(word) for word in raw]


def fold_text(text: str) -> str:
    """Folded words joined by single spaces: the canonical form of a phrase (``Côte d'Azur`` -> ``cote d azur``)."""
    return " ".join(fold(raw) for raw in WORD.findall(text))


def hashtags(text: str) -> list[str]:
    """Folded hashtags of ``text`` without the ``#`` (``#SaintMalo`` -> ``saintmalo``)."""
    return [fold_text(tag).replace(" ", "") for tag in HASHTAG.findall(text)]


def accounts(text: str) -> list[str]:
    """Folded ``@handles`` cited in ``text``, without the ``@`` and without any ``@instance`` suffix."""
    return [fold_account(handle) for handle in ACCOUNT.findall(text)]


def fold_account(handle: str) -> str:
    """Canonical form of an account: ``@VilleStMalo@mastodon.social`` -> ``villestmalo``."""
    local = handle.strip().lstrip("@").split("@", 1)[0]
    return local.casefold()
