"""Matcher syntax and routing semantics are Alertmanager's: cases translated from its own tests
(prometheus/alertmanager ``pkg/labels/parse_test.go``, ``pkg/labels/matcher_test.go``,
``dispatch/route_test.go``). Where Vigie differs on purpose, the case says so.

Alertmanager's ``match:``/``match_re:`` maps become ``matchers:`` here (a mapping is an equality, a regex is
written ``name=~re``); ``group_by`` has no counterpart (Vigie groups by incident).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.notifier import email_receiver, routes
from vigie.notifier.matchers import Matcher, MatcherError, parse_matchers
from vigie.notifier.routing import route_labels

M = Matcher

# -- pkg/labels/parse_test.go: TestMatchers ----------------------------------------------------------------

PARSED: list[tuple[str, list[Matcher]]] = [
    ("{}", []),
    ("{foo='}", [M("foo", "=", "'")]),
    ("{foo=`}", [M("foo", "=", "`")]),
    ('{foo=\\"}', [M("foo", "=", '"')]),
    ("{foo=bar}", [M("foo", "=", "bar")]),
    ('{foo="bar"}', [M("foo", "=", "bar")]),
    ("{foo=~bar.*}", [M("foo", "=~", "bar.*")]),
    ('{foo=~"bar.*"}', [M("foo", "=~", "bar.*")]),
    ("{foo!=bar}", [M("foo", "!=", "bar")]),
    ('{foo!="bar"}', [M("foo", "!=", "bar")]),
    ("{foo!~bar.*}", [M("foo", "!~", "bar.*")]),
    ('{foo!~"bar.*"}', [M("foo", "!~", "bar.*")]),
    ('{foo="bar", baz!="quux"}', [M("foo", "=", "bar"), M("baz", "!=", "quux")]),
    ('{foo="bar", baz!~"quux.*"}', [M("foo", "=", "bar"), M("baz", "!~", "quux.*")]),
    ('{foo="bar",baz!~".*quux", derp="wat"}', [M("foo", "=", "bar"), M("baz", "!~", ".*quux"), M("derp", "=", "wat")]),
    ('{foo="bar", baz!="quux", derp="wat"}', [M("foo", "=", "bar"), M("baz", "!=", "quux"), M("derp", "=", "wat")]),
    (
        '{foo="bar", baz!~".*quux.*", derp="wat"}',
        [M("foo", "=", "bar"), M("baz", "!~", ".*quux.*"), M("derp", "=", "wat")],
    ),
    ('{foo="bar", instance=~"some-api.*"}', [M("foo", "=", "bar"), M("instance", "=~", "some-api.*")]),
    ('{foo=""}', [M("foo", "=", "")]),
    ('{foo="bar,quux", job="job1"}', [M("foo", "=", "bar,quux"), M("job", "=", "job1")]),
    ('{foo = "bar", dings != "bums", }', [M("foo", "=", "bar"), M("dings", "!=", "bums")]),
    ("foo=bar,dings!=bums", [M("foo", "=", "bar"), M("dings", "!=", "bums")]),
    (
        '{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}',
        [M("quote", "=", 'She said: "Hi, ladies! That\'s gender-neutral…"')],
    ),
    ('statuscode=~"5.."', [M("statuscode", "=~", "5..")]),
    ("tricky=~~~", [M("tricky", "=~", "~~")]),
    ('trickier==\\\\=\\=\\"', [M("trickier", "=", '=\\=\\="')]),
    (
        'contains_quote != "\\"" , contains_comma !~ "foo,bar" , ',
        [M("contains_quote", "!=", '"'), M("contains_comma", "!~", "foo,bar")],
    ),
    ("{foo=bar}}", [M("foo", "=", "bar}")]),
    ("{foo=bar}},}", [M("foo", "=", "bar}}")]),
    ("{foo=,bar=}}", [M("foo", "=", ""), M("bar", "=", "}")]),
    ("{foo=bar\\t}", [M("foo", "=", "bar\\t")]),
    ("{foo=bar\\n}", [M("foo", "=", "bar\n")]),
    ("{foo=bar\\}", [M("foo", "=", "bar\\")]),
    ("{foo=bar\\\\}", [M("foo", "=", "bar\\")]),
    ('{foo=bar\\"}', [M("foo", "=", 'bar"')]),
    ("job=", [M("job", "=", "")]),
    ("{foo=", [M("foo", "=", "")]),
    ("{foo=}b", [M("foo", "=", "}b")]),
    # the case: two matchers in one line, not one equality whose value is 'team-A",env="x'
    ('owner="team-A",env="x"', [M("owner", "=", "team-A"), M("env", "=", "x")]),
]

REFUSED: list[str] = [
    ",",
    "{,}",
    'job="value',
    'job=value"',
    'trickier==\\\\=\\=\\""',
    'contains_unescaped_quote = foo"bar',
    '{foo=~"invalid[regexp"}',
    # double-escaped strings
    '"{foo=\\"bar"}',
    '"foo=\\"bar"',
    '"foo=\\"bar\\""',
    '"foo=\\"bar\\"',
    '"{foo=\\"bar\\"}"',
    '"foo="bar""',
    "{{foo=",
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[t for t, _ in PARSED])
def test_parse_matchers_as_alertmanager(text: str, expected: list[Matcher]) -> None:
    assert list(parse_matchers(text)) == expected


@pytest.mark.parametrize("text", REFUSED)
def test_parse_matchers_refuses_what_alertmanager_refuses(text: str) -> None:
    with pytest.raises(MatcherError):
        parse_matchers(text)


def test_deliberate_difference_label_names_may_contain_dash_and_dot() -> None:
    """Alertmanager's classic parser refuses ``{invalid-name = "valid label"}``; Vigie accepts ``-`` and
    ``.`` in label names so that territory labels such as ``comms-team`` can be matched."""
    assert parse_matchers('{invalid-name = "valid label"}') == (M("invalid-name", "=", "valid label"),)
    with pytest.raises(MatcherError):
        parse_matchers('{9name = "x"}')


@pytest.mark.parametrize("text", [m for _, ms in PARSED for m in map(str, ms)] + ['a=~"x"', "a=\\"])
def test_a_matcher_written_back_parses_to_itself(text: str) -> None:
    matcher = Matcher.parse(text)
    assert Matcher.parse(str(matcher)) == matcher


def test_equality_to_a_tilde_is_written_so_that_it_stays_an_equality() -> None:
    assert Matcher.parse(str(M("code", "=", "~x"))) == M("code", "=", "~x")


def test_the_longest_value_written_escaped_still_parses_back() -> None:
    longest = M("quote", "=", '"' * 512)
    assert Matcher.parse(str(longest)) == longest


# -- pkg/labels/matcher_test.go: TestMatcher ---------------------------------------------------------------

MATCHES: list[tuple[str, str, str, bool]] = [
    ("=", "bar", "bar", True),
    ("=", "bar", "foo-bar", False),
    ("!=", "bar", "bar", False),
    ("!=", "bar", "foo-bar", True),
    ("=~", "bar", "bar", True),
    ("=~", "bar", "foo-bar", False),
    ("=~", ".*bar", "foo-bar", True),
    ("!~", "bar", "bar", False),
    ("!~", "bar", "foo-bar", True),
    ("!~", ".*bar", "foo-bar", False),
    ("=~", "foo.bar", "foo-bar", True),
    ("=~", "foo\\.bar", "foo-bar", False),
    ("=~", "foo\\.bar", "foo.bar", True),
    ("=", "foo\nbar", "foo\nbar", True),
    ("=~", "foo.bar", "foo\nbar", False),
    ("=~", "(?s)foo.bar", "foo\nbar", True),
    ("=", '~!="', '~!="', True),
]


@pytest.mark.parametrize(("op", "value", "actual", "expected"), MATCHES)
def test_matcher_semantics_as_alertmanager(op: str, value: str, actual: str, expected: bool) -> None:
    assert M("x", op, value).matches({"x": actual}) is expected  # type: ignore[arg-type]


# -- dispatch/route_test.go: TestRouteMatch ----------------------------------------------------------------

TREE = (
    "route:\n"
    "  receiver: notify-def\n"
    "  routes:\n"
    "    - matchers: {owner: team-A}\n"
    "      receiver: notify-A\n"
    "      routes:\n"
    "        - matchers: {env: testing}\n"
    "          receiver: notify-testing\n"
    "        - matchers: {env: production}\n"
    "          receiver: notify-productionA\n"
    "          group_wait: 1m\n"
    "          continue: true\n"
    "        - matchers: ['env=~produ.*', 'job=~.*']\n"
    "          receiver: notify-productionB\n"
    "          group_wait: 30s\n"
    "          group_interval: 5m\n"
    "          repeat_interval: 1h\n"
    "    - matchers: ['owner=~team-(B|C)']\n"
    "      group_wait: 2m\n"
    "      receiver: notify-BC\n"
    "    - matchers: {group_by: role}\n"
    "      routes:\n"
    "        - matchers: {env: testing}\n"
    "          receiver: notify-testing\n"
    "          routes:\n"
    "            - matchers: {wait: long}\n"
    "              group_wait: 2m\n"
    "receivers:\n"
    + "".join(
        email_receiver(n, 25)
        for n in ("notify-def", "notify-A", "notify-testing", "notify-productionA", "notify-productionB", "notify-BC")
    )
)

DEFAULT_WAIT = timedelta(seconds=30)
ROUTED: list[tuple[dict[str, str], list[tuple[str, timedelta]]]] = [
    ({"owner": "team-A"}, [("notify-A", DEFAULT_WAIT)]),
    ({"owner": "team-A", "env": "unset"}, [("notify-A", DEFAULT_WAIT)]),
    ({"owner": "team-C"}, [("notify-BC", timedelta(minutes=2))]),
    ({"owner": "team-A", "env": "testing"}, [("notify-testing", DEFAULT_WAIT)]),
    (
        {"owner": "team-A", "env": "production"},
        [("notify-productionA", timedelta(minutes=1)), ("notify-productionB", timedelta(seconds=30))],
    ),
    ({"group_by": "role"}, [("notify-def", DEFAULT_WAIT)]),
    ({"env": "testing", "group_by": "role"}, [("notify-testing", DEFAULT_WAIT)]),
    ({"env": "testing", "group_by": "role", "wait": "long"}, [("notify-testing", timedelta(minutes=2))]),
]


@pytest.mark.parametrize(("labels", "expected"), ROUTED)
def test_route_match_as_alertmanager(labels: dict[str, str], expected: list[tuple[str, timedelta]]) -> None:
    found = route_labels(routes(TREE), labels)
    assert [(m.receiver, m.timing.group_wait) for m in found] == expected


def test_production_b_keeps_its_own_intervals() -> None:
    found = route_labels(routes(TREE), {"owner": "team-A", "env": "production"})
    assert (found[1].timing.group_interval, found[1].timing.repeat_interval) == (
        timedelta(minutes=5),
        timedelta(hours=1),
    )


NAMES = st.from_regex(r"\A[A-Za-z_:][A-Za-z0-9_:.-]{0,20}\Z")
VALUES = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
LITERALS = st.builds(Matcher, NAMES, st.sampled_from(["=", "!="]), VALUES)


@given(st.lists(LITERALS, min_size=1, max_size=4))
@settings(max_examples=300, deadline=None)
def test_any_matchers_written_back_parse_to_themselves(matchers: list[Matcher]) -> None:
    """What Vigie writes (silences file, API answers, `silence list`) reads back to the same matchers, one by
    one and as one comma-separated line."""
    for matcher in matchers:
        assert Matcher.parse(str(matcher)) == matcher
    assert list(parse_matchers(",".join(map(str, matchers)))) == matchers
