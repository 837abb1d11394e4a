"""Label matchers shared by routes and silences: ``name=value``, ``name!=value``, ``name=~regex``,
``name!~regex``. The names an alert exposes are ``territory_id``, ``territory``, ``severity``,
``transition``, ``kind`` and every label copied from the territory configuration; a digest exposes
``territory_id``, ``territory``, ``period`` and the territory's labels.

Regular expressions follow Alertmanager: RE2 syntax, anchored at both ends (``severity=~major|critical``
matches ``major`` but not ``majority``). They are compiled once, by RE2 (``google-re2``), whose matching
time is linear in the length of the value, so no pattern (``(.?.?.?|.)+!``, ``(a+)+$``) can stall the event
loop. What RE2 cannot run in linear time (backreferences ``\\1``, lookaround ``(?=...)``) is refused when
the matcher is parsed, with the reason. Matcher texts are at most :data:`MAX_MATCHER_CHARS` characters and
values at most :data:`MAX_VALUE_CHARS`: a label value is never longer than that anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import re2  # type: ignore[import-untyped]  # google-re2 ships no stubs

from vigie.schemas import AlertEvent, DigestEvent

Operator = Literal["=", "!=", "=~", "!~"]
#: Longest value (literal or pattern) of one matcher; alert label values are at most 512 characters.
MAX_VALUE_CHARS = 512
#: Longest matcher text (name, operator, value, quotes and spaces).
MAX_MATCHER_CHARS = 64 + 2 + MAX_VALUE_CHARS + 16
#: Memory RE2 may use to compile one pattern (bytes); a pattern that needs more is refused.
MAX_REGEX_MEMORY = 1 << 20
#: Python's re only splits the text into name, operator and value (no nested quantifier: linear).
_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.-]{0,63})\s*(=~|!~|!=|=)(.*)$", re.DOTALL)


def _shown(text: str, limit: int = 80) -> str:
    """``text`` quoted for an error message, cut to ``limit`` characters."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


class MatcherError(ValueError):
    """A matcher text cannot be parsed or its pattern cannot be compiled by RE2 (the message says why)."""


def alert_labels(alert: AlertEvent) -> dict[str, str]:
    """The labels an alert is matched on (routing and silences)."""
    labels = dict(alert.labels)
    labels.update(
        territory_id=alert.territory_id,
        territory=alert.territory_name,
        severity=alert.severity,
        transition=alert.transition,
        kind=alert.kind,
    )
    return labels


def digest_labels(digest: DigestEvent) -> dict[str, str]:
    """The labels a digest is matched on (digest subscriptions)."""
    labels = dict(digest.labels)
    labels.update(territory_id=digest.territory_id, territory=digest.territory_name, period=digest.period)
    return labels


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # errors are raised with the reason, not written to stderr
    options.max_mem = MAX_REGEX_MEMORY
    return options


_RE2_OPTIONS = _options()


def compile_pattern(pattern: str) -> Any:
    """Compile ``pattern`` with RE2 (matched with ``fullmatch``: anchored at both ends, as in Alertmanager);
    raise :class:`MatcherError` when it is too long, needs too much memory or is not RE2 syntax
    (backreferences, lookaround, unbalanced brackets, ...)."""
    if len(pattern) > MAX_VALUE_CHARS:
        raise MatcherError(f"regular expression of {len(pattern)} characters: at most {MAX_VALUE_CHARS}")
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except UnicodeEncodeError:
        raise MatcherError(f"invalid regular expression {_shown(pattern)}: not valid Unicode text") from None
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", errors="replace")
        raise MatcherError(
            f"invalid regular expression {_shown(pattern)}: {detail} "
            "(RE2 syntax, as in Alertmanager: no backreferences, no lookaround)"
        ) from None


@dataclass(frozen=True)
class Matcher:
    """One condition on one label. A missing label has the value ``""`` (as in Alertmanager)."""

    name: str
    op: Operator
    value: str
    _regex: Any = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.value) > MAX_VALUE_CHARS:
            raise MatcherError(f"matcher value of {len(self.value)} characters: at most {MAX_VALUE_CHARS}")
        if self.op in ("=~", "!~"):
            object.__setattr__(self, "_regex", compile_pattern(self.value))

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Parse ``name=value`` (quotes around the value are optional); raise :class:`MatcherError`
        (a ValueError) otherwise, and nothing else."""
        if len(text) > MAX_MATCHER_CHARS:
            raise MatcherError(f"matcher of {len(text)} characters: at most {MAX_MATCHER_CHARS}")
        found = _MATCHER.match(text)
        if found is None:
            raise MatcherError(
                f"invalid matcher {_shown(text)}: expected name=value, name!=value, name=~re or name!~re"
            )
        name, op, value = found.groups()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        try:
            return cls(name, op, value)  # type: ignore[arg-type]
        except MatcherError as exc:
            raise MatcherError(f"invalid matcher {_shown(text)}: {exc}") from None

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        try:
            full = self._regex.fullmatch(actual) is not None
        except UnicodeEncodeError:  # a lone surrogate (JSON allows "\\ud800"): match what can be encoded
            full = self._regex.fullmatch(actual.encode("utf-8", "replace").decode("utf-8")) is not None
        return full if self.op == "=~" else not full

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"


def matches_all(matchers: tuple[Matcher, ...], labels: dict[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
