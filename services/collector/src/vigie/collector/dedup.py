"""Deduplication, bounded in memory (pure core; persisted by :mod:`vigie.collector.state`).

Two kinds:

* **same mention** (``kind="id"``): a ``<kind>:<instance>:<native id>`` already emitted is dropped. An id is
  *claimed* while its batch is being produced (so two concurrent batches cannot both emit it) and becomes
  *seen* once the broker acknowledged it; a failed batch releases its claims.
* **same text** (``kind="text"``): a post whose normalised text (accents, case, punctuation and spacing
  folded) equals an earlier post *by another author* is kept but marked ``duplicate_of`` the first one's
  mention id: a copy-paste campaign is a signal, not noise. Texts shorter than ``min_text_chars`` after
  folding ("merci !") are never compared.

Memory is bounded by ``capacity`` per kind; the oldest entries are forgotten first.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from vigie.collector.matching.folding import words


@dataclass(frozen=True, slots=True)
class SeenEntry:
    """What is remembered of one emitted mention."""

    mention_key: str
    text_fingerprint: str | None = None
    author_key: str | None = None
    #: The mention id, when the dedup key is not the id itself (a replayed record preset to territories).
    mention_id: str | None = None

    @property
    def id_for_copies(self) -> str:
        return self.mention_id or self.mention_key


def text_fingerprint(text: str, min_chars: int = 20) -> str | None:
    """A short hash of the folded text (equal for copies of one text), or None when it is too short to be a
    meaningful copy."""
    folded = " ".join(words(text)[1])
    if len(folded) < min_chars:
        return None
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=12).hexdigest()


class Deduplicator:
    """Remembers the last ``capacity`` emitted mentions and texts."""

    def __init__(self, capacity: int = 200_000, min_text_chars: int = 20) -> None:
        self.capacity = capacity
        self.min_text_chars = min_text_chars
        self._seen: OrderedDict[str, str | None] = OrderedDict()  # key -> mention id if not the key
        self._texts: OrderedDict[str, tuple[str, str | None]] = OrderedDict()
        self._claimed: set[str] = set()
        self._pending_texts: dict[str, tuple[str, str | None]] = {}
        self._pending_fingerprint: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def fingerprint(self, text: str) -> str | None:
        """See :func:`text_fingerprint`."""
        return text_fingerprint(text, self.min_text_chars)

    def claim(self, mention_key: str) -> bool:
        """True if ``mention_key`` is new and now reserved for the caller; False if seen or being emitted."""
        if mention_key in self._seen or mention_key in self._claimed:
            return False
        self._claimed.add(mention_key)
        return True

    def release(self, mention_keys: Iterable[str]) -> None:
        """Give claims back after a failed produce, so the retry may emit them."""
        for key in mention_keys:
            self._claimed.discard(key)
            fingerprint = self._pending_fingerprint.pop(key, None)
            if fingerprint is not None:
                self._pending_texts.pop(fingerprint, None)

    def first_with_text(
        self, fingerprint: str | None, mention_key: str, author_key: str | None, mention_id: str | None = None
    ) -> str | None:
        """The mention id of the first post with this text by another author (emitted or being emitted).

        When there is none, this one becomes the first (pending until :meth:`commit` or :meth:`release`).
        """
        if fingerprint is None:
            return None
        first = self._texts.get(fingerprint) or self._pending_texts.get(fingerprint)
        if first is None:
            self._pending_texts[fingerprint] = (mention_id or mention_key, author_key)
            self._pending_fingerprint[mention_key] = fingerprint
            return None
        if author_key is not None and first[1] == author_key:
            return None
        return first[0]

    def commit(self, entries: Iterable[SeenEntry]) -> None:
        """The broker acknowledged these mentions: remember them."""
        for entry in entries:
            self._claimed.discard(entry.mention_key)
            pending = self._pending_fingerprint.pop(entry.mention_key, None)
            if pending is not None:
                self._pending_texts.pop(pending, None)
            self._seen[entry.mention_key] = entry.mention_id
            self._seen.move_to_end(entry.mention_key)
            if entry.text_fingerprint is not None and entry.text_fingerprint not in self._texts:
                self._texts[entry.text_fingerprint] = (entry.id_for_copies, entry.author_key)
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        while len(self._texts) > self.capacity:
            self._texts.popitem(last=False)

    def entries(self) -> list[SeenEntry]:
        """Everything remembered, oldest first (to persist a compact snapshot)."""
        texts_by_id = {mention_id: (fingerprint, author) for fingerprint, (mention_id, author) in self._texts.items()}
        out = []
        for key, mention_id in self._seen.items():
            fingerprint, author = texts_by_id.get(mention_id or key, (None, None))
            out.append(SeenEntry(key, fingerprint, author, mention_id))
        return out
