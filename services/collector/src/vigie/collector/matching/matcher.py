"""Match a text to territories with one word index for all of them, not one loop per territory.

Every alias, name, landmark, exclusion and (folded) hashtag of every territory goes into one dictionary of
folded phrases plus a dictionary of phrase prefixes; a text is scanned once, word by word, extending a
phrase only while it is a known prefix. The cost per text is proportional to its length, whatever the
number of territories (1,000 territories of ~15 terms each are ~15,000 phrases).

Semantics, per territory, decided for each **occurrence** of a configured term in the text:

* an **exclusion** phrase removes the occurrences of the territory's terms that lie inside it, and only
  those: in "Le Crédit Lyonnais ferme une agence à Lyon", the exclusion ``Crédit Lyonnais`` covers no
  occurrence of ``Lyon`` (whose words are not inside it) and "Lyon" counts; in "Very nice weather in Nice",
  ``very nice`` removes the first "nice", not the second. An exclusion that contains no term of its
  territory removes nothing;
* a **name or alias** counts, unless a context rule names it: then it counts only when the rule accepts
  that occurrence: written with the configured capitalisation if ``case_sensitive``; at least one
  ``require_any`` phrase anywhere in the text if any are given; and no ``reject_any`` phrase against it. A
  ``reject_any`` phrase that spells the term (``very nice`` for ``Nice``) rejects only the occurrences it
  covers, like an exclusion; any other (``forfait`` for ``Orange``) rejects the term everywhere in the text;
* a **landmark**, a configured **hashtag** (``#SaintMalo`` = ``#saintmalo``) or a cited / authoring
  **official account** counts unless an exclusion covers it; a hashtag spelling an alias (``#Tours``) is
  subject to that alias' context rule.

A territory matches when at least one of its occurrences counts. :meth:`TerritoryMatcher.match` lists every
matching territory with the configured terms that counted, so the record can say why;
:meth:`TerritoryMatcher.explain` also says, occurrence by occurrence, why the others did not.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from vigie.collector.matching.folding import ACCOUNT, HASHTAG, WORD, fold, fold_account, fold_text, words
from vigie.schemas import ContextRule, Territory, TerritoryConfig

TermKind = Literal["alias", "landmark", "hashtag", "account"]
#: How a term showed up: in the words of the text, as a hashtag, as a cited account, or as the post's author.
OccurrenceKind = Literal["alias", "landmark", "hashtag", "account", "author"]
#: ``matched``: at least one territory; ``rejected``: candidates, all refused by exclusions or context rules;
#: ``unmatched``: nothing of any territory in the text.
MatchOutcome = Literal["matched", "rejected", "unmatched"]
MAX_TERMS_PER_MATCH = 64
NO_SPAN = -1


@dataclass(frozen=True, slots=True)
class _Rule:
    term: str
    raw_words: tuple[str, ...]
    case_sensitive: bool
    require_any: tuple[tuple[str, str], ...]  # (folded phrase, as configured)
    reject_anywhere: tuple[tuple[str, str], ...]
    reject_around: tuple[tuple[tuple[str, ...], int, str], ...]  # (folded words, offset of the term, as configured)


@dataclass(frozen=True, slots=True)
class _Entry:
    territory: int
    term: str
    kind: TermKind
    rule: _Rule | None


class _Occurrence(NamedTuple):
    """A configured term found in the text: words ``start:end`` of the text (``NO_SPAN`` for the author)."""

    entry: _Entry
    written: tuple[str, ...]
    start: int
    end: int
    kind: OccurrenceKind


@dataclass(frozen=True, slots=True)
class _Refusal:
    """Why an occurrence does not count: the rule and the phrase that refused it, with its words if local."""

    reason: Literal["exclusion", "case", "require", "reject_here", "reject_text"]
    phrase: str = ""
    start: int = NO_SPAN
    end: int = NO_SPAN


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


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a configured term, where it is (characters ``start:end``, None for the author) and
    whether it counted; ``reason`` says why not, in words."""

    term: str
    kind: OccurrenceKind
    written: str
    start: int | None
    end: int | None
    counted: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ExclusionHit:
    """An exclusion phrase of the territory found in the text (characters ``start:end``) and how many
    occurrences of the territory's terms it removed (0: none lies inside it)."""

    phrase: str
    start: int
    end: int
    removed: int


@dataclass(frozen=True, slots=True)
class TerritoryExplanation:
    """Every occurrence of one territory's terms in a text, and the exclusions of that territory found there."""

    territory_id: str
    matched: bool
    occurrences: tuple[Occurrence, ...]
    exclusions: tuple[ExclusionHit, ...]


@dataclass(frozen=True, slots=True)
class MatchExplanation:
    """The result of :meth:`TerritoryMatcher.match` and why, territory by territory (those with a candidate)."""

    result: MatchResult
    territories: tuple[TerritoryExplanation, ...]


class _Found:
    """What one scan of a text found: occurrences, and exclusion hits per territory (words ``start:end``)."""

    __slots__ = ("_padded", "exclusions", "folded", "occurrences")

    def __init__(self, folded: list[str]) -> None:
        self.folded = folded
        self.occurrences: list[_Occurrence] = []
        self.exclusions: dict[int, list[tuple[int, int, str]]] = {}
        self._padded: str | None = None

    @property
    def padded(self) -> str:
        """The folded words between single spaces, with a space at each end (to look phrases up)."""
        if self._padded is None:
            self._padded = f" {' '.join(self.folded)} "
        return self._padded


def _compile_rule(rule: ContextRule) -> _Rule:
    term_words = tuple(fold_text(rule.term).split(" "))
    around: list[tuple[tuple[str, ...], int, str]] = []
    anywhere: list[tuple[str, str]] = []
    for phrase in rule.reject_any:
        folded = fold_text(phrase)
        if not folded:
            continue
        phrase_words = tuple(folded.split(" "))
        offsets = [
            k
            for k in range(len(phrase_words) - len(term_words) + 1)
            if phrase_words[k : k + len(term_words)] == term_words
        ]
        if offsets:
            around.extend((phrase_words, k, phrase) for k in offsets)
        else:
            anywhere.append((folded, phrase))
    return _Rule(
        term=rule.term,
        raw_words=tuple(WORD.findall(rule.term)),
        case_sensitive=rule.case_sensitive,
        require_any=tuple((p, t) for p, t in ((fold_text(t), t) for t in rule.require_any) if p),
        reject_anywhere=tuple(anywhere),
        reject_around=tuple(around),
    )


class TerritoryMatcher:
    """Finds the territories of a text. Build once from the configuration; :meth:`match` is pure and fast."""

    def __init__(self, config: TerritoryConfig | Iterable[Territory]) -> None:
        territories = config.territories if isinstance(config, TerritoryConfig) else tuple(config)
        self._ids: list[str] = [t.id for t in territories]
        self._phrases: dict[str, list[_Entry]] = {}
        self._exclusions: dict[str, list[tuple[int, str]]] = {}
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
            entry = _Entry(index, term, "alias", rules.get(phrase))
            self._phrases.setdefault(phrase, []).append(entry)
            self._add_phrase(phrase)
            self._hashtags.setdefault(phrase.replace(" ", ""), []).append(entry)
        for term in territory.landmarks:
            phrase = fold_text(term)
            if phrase and ("landmark", phrase) not in seen:
                seen.add(("landmark", phrase))
                self._phrases.setdefault(phrase, []).append(_Entry(index, term, "landmark", None))
                self._add_phrase(phrase)
        for tag in territory.hashtags:
            folded = fold_text(tag).replace(" ", "")
            if folded:
                self._hashtags.setdefault(folded, []).append(_Entry(index, f"#{tag}", "hashtag", None))
        for account in territory.official_accounts:
            folded = fold_account(account)
            if folded:
                term = account if account.startswith("@") else f"@{account}"
                self._accounts.setdefault(folded, []).append(_Entry(index, term, "account", None))
        for exclusion in territory.exclusions:
            phrase = fold_text(exclusion)
            if phrase:
                self._exclusions.setdefault(phrase, []).append((index, exclusion))
                self._add_phrase(phrase)

    def match(self, text: str, *, author_handle: str | None = None) -> MatchResult:
        """The territories ``text`` talks about (a post by an official account matches its territory)."""
        found = self._find(text, author_handle)
        if not found.occurrences:
            return MatchResult((), "unmatched")
        accepted: dict[int, list[str]] = {}
        anything_excluded = bool(found.exclusions)
        for occurrence in found.occurrences:
            if (anything_excluded or occurrence.entry.rule is not None) and _refusal(occurrence, found) is not None:
                continue
            terms = accepted.setdefault(occurrence.entry.territory, [])
            if occurrence.entry.term not in terms:
                terms.append(occurrence.entry.term)
        if not accepted:
            return MatchResult((), "rejected")
        matches = tuple(
            TerritoryMatch(self._ids[index], tuple(terms[:MAX_TERMS_PER_MATCH])) for index, terms in accepted.items()
        )
        return MatchResult(matches, "matched")

    def explain(self, text: str, *, author_handle: str | None = None) -> MatchExplanation:
        """:meth:`match`, and for every territory with a candidate each occurrence and why it counted or not."""
        result = self.match(text, author_handle=author_handle)
        found = self._find(text, author_handle)
        spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
        matched = {m.territory_id for m in result.matches}
        by_territory: dict[int, list[Occurrence]] = {}
        removed: dict[tuple[int, int, int, str], int] = {}
        for occurrence in found.occurrences:
            refusal = _refusal(occurrence, found)
            if refusal is not None and refusal.reason == "exclusion":
                key = (occurrence.entry.territory, refusal.start, refusal.end, refusal.phrase)
                removed[key] = removed.get(key, 0) + 1
            start, end = _characters(spans, occurrence.start, occurrence.end)
            if start is not None and occurrence.kind in ("hashtag", "account"):
                start -= 1  # the '#' or '@'
            written = text[start:end] if start is not None and end is not None else " ".join(occurrence.written)
            by_territory.setdefault(occurrence.entry.territory, []).append(
                Occurrence(
                    term=occurrence.entry.term,
                    kind=occurrence.kind,
                    written=written,
                    start=start,
                    end=end,
                    counted=refusal is None,
                    reason="" if refusal is None else _describe(refusal, occurrence, text, spans),
                )
            )
        territories = []
        for index, occurrences in by_territory.items():
            hits = tuple(
                ExclusionHit(phrase, *_span_of(spans, start, end), removed.get((index, start, end, phrase), 0))
                for start, end, phrase in found.exclusions.get(index, ())
            )
            territory_id = self._ids[index]
            territories.append(TerritoryExplanation(territory_id, territory_id in matched, tuple(occurrences), hits))
        return MatchExplanation(result, tuple(territories))

    def _find(self, text: str, author_handle: str | None) -> _Found:
        written, folded = words(text)
        found = _Found(folded)
        self._scan(found, written)
        positions: _WordPositions | None = None
        if "#" in text:
            for tag in HASHTAG.finditer(text):
                entries = self._hashtags.get(fold_text(tag.group(1)).replace(" ", ""))
                if entries:
                    positions = positions or _WordPositions(text)
                    start, end = positions.words(tag.start(1), tag.end(1))
                    found.occurrences.extend(
                        _Occurrence(entry, (tag.group(1),), start, end, "hashtag") for entry in entries
                    )
        if "@" in text:
            for handle in ACCOUNT.finditer(text):
                entries = self._accounts.get(fold_account(handle.group(1)))
                if entries:
                    positions = positions or _WordPositions(text)
                    start, end = positions.words(handle.start(1), handle.end(1))
                    found.occurrences.extend(_Occurrence(entry, (), start, end, "account") for entry in entries)
        if author_handle:
            official = self._accounts.get(fold_account(author_handle))
            if official:
                found.occurrences.extend(
                    _Occurrence(entry, (author_handle,), NO_SPAN, NO_SPAN, "author") for entry in official
                )
        return found

    def _scan(self, found: _Found, raw: list[str]) -> None:
        prefixes, phrases, exclusions = self._prefixes, self._phrases, self._exclusions
        folded = found.folded
        count = len(folded)
        for start in range(count):
            key = folded[start]
            end = start + 1
            while key in prefixes:
                entries = phrases.get(key)
                if entries is not None:
                    written = tuple(raw[start:end])
                    found.occurrences.extend(_Occurrence(e, written, start, end, e.kind) for e in entries)
                excluding = exclusions.get(key)
                if excluding is not None:
                    for territory, phrase in excluding:
                        found.exclusions.setdefault(territory, []).append((start, end, phrase))
                if end >= count:
                    break
                key = f"{key} {folded[end]}"
                end += 1


class _WordPositions:
    """Word indices of a character range of the text (for hashtags and accounts, found by their own regexes)."""

    def __init__(self, text: str) -> None:
        self._starts = [m.start() for m in WORD.finditer(text)]

    def words(self, start: int, end: int) -> tuple[int, int]:
        return bisect_left(self._starts, start), bisect_left(self._starts, end)


def _refusal(occurrence: _Occurrence, found: _Found) -> _Refusal | None:
    """None when the occurrence counts; else the first thing that refuses it (exclusion, then context rule)."""
    start, end = occurrence.start, occurrence.end
    if start != NO_SPAN and found.exclusions:
        for ex_start, ex_end, phrase in found.exclusions.get(occurrence.entry.territory, ()):
            if ex_start <= start and end <= ex_end:
                return _Refusal("exclusion", phrase, ex_start, ex_end)
    rule = occurrence.entry.rule
    if rule is None:
        return None
    written = occurrence.written
    if rule.case_sensitive:
        if len(written) == 1 and len(rule.raw_words) > 1:
            if written[0] != "".join(rule.raw_words):
                return _Refusal("case")
        elif written != rule.raw_words:
            return _Refusal("case")
    folded = found.folded
    if start != NO_SPAN:
        for phrase_words, offset, phrase in rule.reject_around:
            first = start - offset
            if first >= 0 and tuple(folded[first : first + len(phrase_words)]) == phrase_words:
                return _Refusal("reject_here", phrase, first, first + len(phrase_words))
    if not rule.require_any and not rule.reject_anywhere:
        return None
    padded = found.padded
    for phrase, configured in rule.reject_anywhere:
        if f" {phrase} " in padded:
            return _Refusal("reject_text", configured)
    if rule.require_any and not any(f" {phrase} " in padded for phrase, _ in rule.require_any):
        return _Refusal("require", ", ".join(configured for _, configured in rule.require_any))
    return None


def _span_of(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    return spans[start][0], spans[end - 1][1]


def _characters(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int | None, int | None]:
    if start == NO_SPAN or end <= start:
        return None, None
    return _span_of(spans, start, end)


def _describe(refusal: _Refusal, occurrence: _Occurrence, text: str, spans: list[tuple[int, int]]) -> str:
    """One sentence saying why an occurrence did not count."""
    term = occurrence.entry.rule.term if occurrence.entry.rule is not None else occurrence.entry.term
    subject = f"the context rule of {term!r}"
    if refusal.reason == "exclusion":
        start, end = _span_of(spans, refusal.start, refusal.end)
        return f"inside the exclusion {refusal.phrase!r} ({text[start:end]!r} at {start}-{end})"
    if refusal.reason == "case":
        return f"{subject} is case-sensitive: written {' '.join(occurrence.written)!r}, not {term!r}"
    if refusal.reason == "reject_here":
        start, end = _span_of(spans, refusal.start, refusal.end)
        return f"{subject} rejects it here: part of {refusal.phrase!r} ({text[start:end]!r} at {start}-{end})"
    if refusal.reason == "reject_text":
        return f"{subject} rejects it: {refusal.phrase!r} is in the text"
    return f"{subject} needs one of these in the text, and none is: {refusal.phrase}"


__all__ = [
    "ExclusionHit",
    "MatchExplanation",
    "MatchOutcome",
    "MatchResult",
    "Occurrence",
    "OccurrenceKind",
    "TerritoryExplanation",
    "TerritoryMatch",
    "TerritoryMatcher",
    "fold",
]
