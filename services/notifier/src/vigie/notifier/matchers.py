"""Label matchers shared by routes and silences: ``name=value``, ``name!=value``, ``name=~regex``,
``name!~regex``. The names an alert exposes are ``territory_id``, ``territory``, ``severity``,
``transition``, ``kind`` and every label copied from the territory configuration; a digest exposes
``territory_id``, ``territory``, ``period`` and the territory's labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from vigie.schemas import AlertEvent, DigestEvent

Operator = Literal["=", "!=", "=~", "!~"]
_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


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


@dataclass(frozen=True)
class Matcher:
    """One condition on one label. A missing label has the value ``""`` (as in Alertmanager)."""

    name: str
    op: Operator
    value: str

    def __post_init__(self) -> None:
        if self.op in ("=~", "!~"):
            re.compile(self.value)

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Parse ``name=value`` (quotes around the value are optional); raise ValueError otherwise."""
        found = _MATCHER.match(text)
        if found is None:
            raise ValueError(f"invalid matcher {text!r}: expected name=value, name!=value, name=~re or name!~re")
        name, op, value = found.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        try:
            return cls(name, op, value)  # type: ignore[arg-type]
        except re.error as exc:
            raise ValueError(f"invalid regular expression in matcher {text!r}: {exc}") from None

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        full = re.fullmatch(self.value, actual) is not None
        return full if self.op == "=~" else not full

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"


def matches_all(matchers: tuple[Matcher, ...], labels: dict[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
