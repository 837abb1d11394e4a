"""Properties of exclusions over random territories and texts: they only ever remove, and only what they cover."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.collector.matching import MatchResult, TerritoryMatcher
from vigie.schemas import ContextRule, Territory

VOCABULARY = ["nice", "very", "lyon", "credit", "lyonnais", "to", "meet", "tours", "de", "magie", "orange", "box"]
SEPARATOR = "zzsep"  # in no configured term: an occurrence between two separators lies inside no exclusion

phrases = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3).map(" ".join)
capitalised = st.sampled_from(VOCABULARY).map(str.capitalize)
text_words = st.lists(
    st.one_of(st.sampled_from(VOCABULARY), capitalised, st.sampled_from(VOCABULARY).map(lambda w: f"#{w}")),
    max_size=12,
)


@st.composite
def territories(draw: st.DrawFn) -> list[Territory]:
    result = []
    for index in range(draw(st.integers(1, 3))):
        aliases = draw(st.lists(phrases, min_size=1, max_size=3))
        rules = ()
        if draw(st.booleans()):
            rules = (
                ContextRule(
                    term=draw(st.sampled_from(aliases)),
                    case_sensitive=draw(st.booleans()),
                    require_any=tuple(draw(st.lists(phrases, max_size=2))),
                    reject_any=tuple(draw(st.lists(phrases, max_size=2))),
                ),
            )
        result.append(
            Territory(
                id=f"t{index}",
                name=aliases[0],
                aliases=tuple(aliases),
                landmarks=tuple(draw(st.lists(phrases, max_size=2))),
                hashtags=tuple(draw(st.lists(st.sampled_from(VOCABULARY), max_size=2))),
                exclusions=tuple(draw(st.lists(phrases, max_size=3))),
                context_rules=rules,
            )
        )
    return result


def _terms(result: MatchResult) -> dict[str, set[str]]:
    return {match.territory_id: set(match.terms) for match in result.matches}


@settings(max_examples=60, deadline=None)
@given(territories(), st.integers(0, 2), phrases, text_words)
def test_adding_an_exclusion_never_adds_a_match(
    configured: list[Territory], which: int, exclusion: str, words: list[str]
) -> None:
    text = " ".join(words)
    index = which % len(configured)
    target = configured[index]
    more = target.model_copy(update={"exclusions": (*target.exclusions, exclusion)})
    before = _terms(TerritoryMatcher(configured).match(text))
    after = _terms(TerritoryMatcher([*configured[:index], more, *configured[index + 1 :]]).match(text))
    assert set(after) <= set(before)
    for territory_id, terms in after.items():
        assert terms <= before[territory_id]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(phrases, min_size=1, max_size=4),
    phrases,
    st.lists(st.sampled_from(VOCABULARY), max_size=8),
    st.lists(st.sampled_from(VOCABULARY), max_size=8),
)
def test_an_alias_outside_every_exclusion_still_matches(
    exclusions: list[str], alias: str, before: list[str], after: list[str]
) -> None:
    exclusions = [e for e in exclusions if e != alias]
    territory = Territory(id="t", name=alias, exclusions=tuple(exclusions))
    text = " ".join([*before, SEPARATOR, alias, SEPARATOR, *after])
    result = TerritoryMatcher([territory]).match(text)
    assert [m.territory_id for m in result.matches] == ["t"]


@settings(max_examples=80, deadline=None)
@given(phrases, st.lists(st.sampled_from(VOCABULARY), max_size=5))
def test_occurrences_all_inside_exclusions_do_not_match(alias: str, around: list[str]) -> None:
    exclusion = " ".join([*around, alias])
    territory = Territory(id="t", name=alias, exclusions=(exclusion,))
    text = " ".join([SEPARATOR, exclusion, SEPARATOR, exclusion])
    assert TerritoryMatcher([territory]).match(text).matches == ()
