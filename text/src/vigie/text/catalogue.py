"""Translation catalogues: the words of one product (incident notifications, the incident page, digests) in
every supported language (pure).

A :class:`Catalogue` is read per language (``CATALOGUE["fr"]["severity"]``) or per entry
(:meth:`Catalogue.say`). It is checked when it is built: every language has the same entries, so a word
added in one language and forgotten in the other fails at import, not in front of a reader.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from vigie.text.locale import LANGUAGES, Language


class Catalogue(Mapping[Language, Mapping[str, str]]):
    """The words of one product, per language; every language has the same entries."""

    def __init__(self, words: Mapping[Language, Mapping[str, str]]) -> None:
        if set(words) != set(LANGUAGES):
            raise ValueError(f"a catalogue has every language of {LANGUAGES}, not {tuple(words)}")
        keys = {language: set(entries) for language, entries in words.items()}
        reference = keys[LANGUAGES[0]]
        for language, entries in keys.items():
            if entries != reference:
                missing = sorted(reference ^ entries)
                raise ValueError(f"entries not in every language ({language}): {', '.join(missing)}")
        self._words = {language: dict(words[language]) for language in LANGUAGES}

    @classmethod
    def by_entry(cls, entries: Mapping[str, Mapping[Language, str]]) -> Catalogue:
        """A catalogue written entry by entry: ``{"severity": {"fr": "Gravité", "en": "Severity"}}``."""
        return cls({language: {key: text[language] for key, text in entries.items()} for language in LANGUAGES})

    def __getitem__(self, language: Language) -> Mapping[str, str]:
        return self._words[language]

    def __iter__(self) -> Iterator[Language]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)

    def say(self, language: Language, key: str, **values: object) -> str:
        """The entry ``key`` in ``language`` with ``values`` filled in (``str.format``)."""
        return self._words[language][key].format(**values)
