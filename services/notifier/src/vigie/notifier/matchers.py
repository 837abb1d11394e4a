"""Label matchers shared by routes and silences: ``name=value``, ``name!=value``, ``name=~regex``,
``name!~regex``. The names an alert exposes are ``territory_id``, ``territory``, ``severity``,
``transition``, ``kind`` and every label copied from the territory configuration; a digest exposes
``territory_id``, ``territory``, ``period`` and the territory's labels.

Syntax follows Alertmanager's classic matcher parser (``pkg/labels/parse.go``): the value may be written
bare or in double quotes, whitespace around each part is dropped, and OpenMetrics escapes apply inside it
(``\\"`` a double quote, ``\\n`` a line feed, ``\\\\`` a backslash; any other backslash is literal). An
unescaped ``"`` inside the value is an error. Single quotes are ordinary characters (``foo='x'`` means the
value ``'x'`` with its quotes). :func:`parse_matchers` reads a comma-separated list (``{a="b", c=~"d|e"}``,
commas inside quotes do not separate), as one line of a ``matchers:`` list in Alertmanager's config does.
One deliberate difference: label names may also contain ``-`` and ``.`` (territory labels such as
``comms-team`` can then be matched); Alertmanager's classic parser accepts ``[a-zA-Z_:][a-zA-Z0-9_:]*``.

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
#: Longest matcher text (name, operator, quoted value whose every character may be escaped, spaces).
MAX_MATCHER_CHARS = 64 + 2 + 2 + 2 * MAX_VALUE_CHARS + 16
#: Memory RE2 may use to compile one pattern (bytes); a pattern that needs more is refused.
MAX_REGEX_MEMORY = 1 << 20
#: Python's re only splits the text into name, operator and value (no nested quantifier: linear).
#: Alertmanager's ``^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$``, names also with ``.-``.
#: ``\s`` is RE2's (ASCII) whitespace there: Python's would also trim ``\x1c`` or a no-break space.
_MATCHER = re.compile(
    r"\A[\t\n\f\r ]*([A-Za-z_:][A-Za-z0-9_:.-]{0,63})[\t\n\f\r ]*(=~|!~|!=|=)[\t\n\f\r ]*(.*?)[\t\n\f\r ]*\Z", re.DOTALL
)
#: A value written bare by :meth:`Matcher.__str__` (otherwise quoted and escaped, so that it parses back).
_BARE_VALUE = re.compile(r"\A(?!~)[^\s\"\\,{}]*\Z")
_NAME = re.compile(r"\A[A-Za-z_:][A-Za-z0-9_:.-]{0,63}\Z")


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
        if not _NAME.match(self.name):
            raise MatcherError(f"invalid label name {_shown(self.name)}: letters, digits, '_', ':', '.', '-'")
        if not _encodable(self.value):
            raise MatcherError(f"matcher value {_shown(self.value)} is not valid Unicode text")
        if len(self.value) > MAX_VALUE_CHARS:
            raise MatcherError(f"matcher value of {len(self.value)} characters: at most {MAX_VALUE_CHARS}")
        if self.op in ("=~", "!~"):
            object.__setattr__(self, "_regex", compile_pattern(self.value))

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Parse one matcher (``name=value``, ``name!="value"``, ...) as Alertmanager's ``ParseMatcher``;
        raise :class:`MatcherError` (a ValueError) otherwise, and nothing else."""
        if len(text) > MAX_MATCHER_CHARS:
            raise MatcherError(f"matcher of {len(text)} characters: at most {MAX_MATCHER_CHARS}")
        found = _MATCHER.match(text)
        if found is None:
            raise MatcherError(
                f"invalid matcher {_shown(text)}: expected name=value, name!=value, name=~re or name!~re"
            )
        name, op, raw = found.groups()
        try:
            return cls(name, op, _unescape(raw))  # type: ignore[arg-type]
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
        """The matcher as text that :meth:`parse` reads back to an equal matcher (quoted when needed)."""
        if _BARE_VALUE.match(self.value):
            return f"{self.name}{self.op}{self.value}"
        escaped = self.value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unescape(raw: str) -> str:
    """The value of a matcher as Alertmanager reads it: optional surrounding double quotes, OpenMetrics
    escapes (``\\"``, ``\\n``, ``\\\\``), other backslashes literal, no unescaped ``"`` inside."""
    quoted = raw.startswith('"')
    body = raw[1:] if quoted else raw
    out: list[str] = []
    escaped = False
    closed = False
    for index, char in enumerate(body):
        if escaped:
            escaped = False
            out.append("\n" if char == "n" else char if char in '"\\' else "\\" + char)
            continue
        if char == "\\":
            if index < len(body) - 1:
                escaped = True
            else:
                out.append(char)
        elif char == '"':
            if not quoted or index < len(body) - 1:
                raise MatcherError(f'value {_shown(raw)} contains an unescaped double quote (write \\")')
            closed = True
        else:
            out.append(char)
    if quoted and not closed:
        raise MatcherError(f'value {_shown(raw)} contains an unescaped double quote (write \\")')
    return "".join(out)


def parse_matchers(text: str) -> tuple[Matcher, ...]:
    """Parse a comma-separated list of matchers as Alertmanager's ``ParseMatchers``: an optional leading
    ``{`` and trailing ``}`` are dropped, commas inside double quotes (``\\"`` does not count) do not
    separate, and one trailing comma is allowed (``{foo = "bar", dings != "bums", }``)."""
    if len(text) > MAX_MATCHER_CHARS * 8:
        raise MatcherError(f"matchers of {len(text)} characters: at most {MAX_MATCHER_CHARS * 8}")
    body = text.removeprefix("{").removesuffix("}")
    tokens: list[str] = []
    token: list[str] = []
    inside_quotes = escaped = False
    for char in body:
        if char == "," and not inside_quotes:
            tokens.append("".join(token))
            token = []
            continue
        if char == '"':
            if not escaped:
                inside_quotes = not inside_quotes
            else:
                escaped = False
        elif char == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(char)
    last = "".join(token).strip()
    if last:
        tokens.append(last)
    return tuple(Matcher.parse(part) for part in tokens)


def matches_all(matchers: tuple[Matcher, ...], labels: dict[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
