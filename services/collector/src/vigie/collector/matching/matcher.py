"""Match a text to territories with one word index for all of them, not one loop per territory.

Every alias, name, landmark, exclusion and (folded) hashtag of every territory goes into one dictionary of
folded phrases plus a dictionary of phrase prefixes; a text is scanned once, word by word, extending a
phrase only while it is a known prefix. The cost per text is proportional to its length, whatever the
number of territories (1,000 territories of ~15 terms each are ~15,000 phrases).

Semantics, per territory:

* a **name or alias** counts, unless a context rule names it: then it counts only when the rule accepts
  it (written with the configured capitalisation if ``case_sensitive``; at least one ``require_any`` phrase
  in the text if any are given; no ``reject_any`` phrase in the text);
* a **landmark**, a configured **hashtag** (``#SaintMalo`` = ``#saintmalo``) or a cited / authoring
  **official account** always counts; a hashtag spelling an alias (``#Tours``) is subject to that alias'
  context rule;
* an **exclusion** phrase anywhere in the text vetoes the territory (``forfait Orange``).

The result lists every matching territory with the configured terms that matched, so the record can say why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from vigie.collector.matching.folding import HASHTAG, WORD, accounts, fold, fold_account, fold_text, words
from vigie.schemas import ContextRule, Territory, TerritoryConfig

TermKind = Literal["alias", "landmark", "hashtag", "account"]
#: ``matched``: at least one territory; ``rejected``: candidates, all refused by exclusions or context rules;
#: ``unmatched``: nothing of any territory in the text.
MatchOutcome = Literal["matched", "rejected", "unmatched"]
MAX_TERMS_PER_MATCH = 64


@dataclass(frozen=True, slots=True)
class _Rule:
    raw_words: tuple[str, ...]
    case_sensitive: bool
    require_any: tuple[str, ...]
    reject_any: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    territory: int
    term: str
    rule: _Rule | None


@dataclass(frozen=True, slots=True)
class TerritoryMatch:
    """One territory a text talks about and the configured terms that showed it."""

    territory_id: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Every territory matched (possibly several) and the overall outcome for metrics."""

    matches: tuple[TerritoryMatch, ...]
    outcome: MatchOutcome


@dataclass
class _Candidates:
    entries: list[tuple[_Entry, tuple[str, ...]]] = field(default_factory=list)
    vetoed: set[int] = field(default_factory=set)


def _compile_rule(rule: ContextRule) -> _Rule:
    return _Rule(
        raw_words=tuple(WORD.findall(rule.term)),
        case_sensitive=rule.case_sensitive,
        require_any=tuple(p for p in (fold_text(t) for t in rule.require_any) if p),
        reject_any=tuple(p for p in (fold_text(t) for t in rule.reject_any) if p),
    )


class TerritoryMatcher:
    """Finds the territories of a text. Build once from the configuration; :meth:`match` is pure and fast."""

    def __init__(self, config: TerritoryConfig | Iterable[Territory]) -> None:
        territories = config.territories if isinstance(config, TerritoryConfig) else tuple(config)
        self._ids: list[str] = [t.id for t in territories]
        self._phrases: dict[str, list[_Entry]] = {}
        self._exclusions: dict[str, list[int]] = {}
        self._prefixes: set[str] = set()
        self._hashtags: dict[str, list[_Entry]] = {}
        self._accounts: dict[str, list[_Entry]] = {}
        for index, territory in enumerate(territories):
            self._add_territory(index, territory)

    @property
    def territory_ids(self) -> tuple[str, ...]:
        return tuple(self._ids)

    def _add_phrase(self, phrase: str) -> None:
        words = phrase.split(" ")
        for end in range(1, len(words) + 1):
            self._prefixes.add(" ".join(words[:end]))

    def _add_territory(self, index: int, territory: Territory) -> None:
        rules = {fold_text(rule.term): _compile_rule(rule) for rule in territory.context_rules}
        seen: set[tuple[str, str]] = set()
        for term in (territory.name, *territory.aliases):
            phrase = fold_text(term)
            if not phrase or ("alias", phrase) in seen:
                continue
            seen.add(("alias", phrase))
            entry = _Entry(index, term, rules.get(phrase))
            self._phrases.setdefault(phrase, []).append(entry)
            self._add_phrase(phrase)
            self._hashtags.setdefault(phrase.replace(" ", ""), []).append(entry)
        for term in territory.landmarks:
            phrase = fold_text(term)
            if phrase and ("landmark", phrase) not in seen:
                seen.add(("landmark", phrase))
                self._phrases.setdefault(phrase, []).append(_Entry(index, term, None))
                self._add_phrase(phrase)
        for tag in territory.hashtags:
            folded = fold_text(tag).replace(" ", "")
            if folded:
                self._hashtags.setdefault(folded, []).append(_Entry(index, f"#{tag}", None))
        for account in territory.official_accounts:
            folded = fold_account(account)
            if folded:
                term = account if account.startswith("@") else f"@{account}"
                self._accounts.setdefault(folded, []).append(_Entry(index, term, None))
        for exclusion in territory.exclusions:
            phrase = fold_text(exclusion)
            if phrase:
                self._exclusions.setdefault(phrase, []).append(index)
                self._add_phrase(phrase)

    def match(self, text: str, *, author_handle: str | None = None) -> MatchResult:
        """The territories ``text`` talks about (a post by an official account matches its territory)."""
        written, folded = words(text)
        found = self._scan(folded, written)
        if "#" in text:
            for tag in HASHTAG.findall(text):
                for entry in self._hashtags.get(fold_text(tag).replace(" ", ""), ()):
                    found.entries.append((entry, (tag,)))
        if "@" in text:
            for handle in accounts(text):
                found.entries.extend((entry, ()) for entry in self._accounts.get(handle, ()))
        if author_handle:
            official = self._accounts.get(fold_account(author_handle))
            if official:
                found.entries.extend((entry, ()) for entry in official)
        if not found.entries:
            return MatchResult((), "unmatched")
        padded = f" {' '.join(folded)} "
        accepted: dict[int, list[str]] = {}
        for entry, spelled in found.entries:
            if entry.territory in found.vetoed:
                continue
            if entry.rule is not None and not _rule_accepts(entry.rule, spelled, padded):
                continue
            terms = accepted.setdefault(entry.territory, [])
            if entry.term not in terms:
                terms.append(entry.term)
        if not accepted:
            return MatchResult((), "rejected")
        matches = tuple(
            TerritoryMatch(self._ids[index], tuple(terms[:MAX_TERMS_PER_MATCH])) for index, terms in accepted.items()
        )
        return MatchResult(matches, "matched")

    def _scan(self, folded: list[str], raw: list[str]) -> _Candidates:
        found = _Candidates()
        prefixes, phrases, exclusions = self._prefixes, self._phrases, self._exclusions
        count = len(folded)
        for start in range(count):
            key = folded[start]
            end = start + 1
            while key in prefixes:
                entries = phrases.get(key)
                if entries is not None:
                    written = tuple(raw[start:end])
                    found.entries.extend((entry, written) for entry in entries)
                vetoes = exclusions.get(key)
                if vetoes is not None:
                    found.vetoed.update(vetoes)
                if end >= count:
                    break
                key = f"{key} {folded[end]}"
                end += 1
        return found


def _rule_accepts(rule: _Rule, written: tuple[str, ...], padded_text: str) -> bool:
    if rule.case_sensitive:
        if len(written) == 1 and len(rule.raw_words) > 1:
            if written[0] != "".join(rule.raw_words):
                return False
        elif written != rule.raw_words:
            return False
    if rule.require_any and not any(f" {phrase} " in padded_text for phrase in rule.require_any):
        return False
    return not any(f" {phrase} " in padded_text for phrase in rule.reject_any)


__all__ = ["MatchOutcome", "MatchResult", "TerritoryMatch", "TerritoryMatcher", "fold"]
