"""Warnings about a valid routes file that would silently never match (pure).

A matcher on a label no alert carries (``teams=...`` for ``team``), or on a value the label never takes
(``severity=critcal``, ``region==paca`` whose value is ``=paca``), is valid syntax and never matches: the
route it guards is dead. :func:`matcher_warnings` names each such matcher with its file, line and field, and
the label names (and values, when they form a closed set) that do exist.

The labels an alert carries are ``territory_id``, ``territory``, ``severity``, ``transition``, ``kind`` and
the labels of its territory (from the territories file); a digest carries ``territory_id``, ``territory``,
``period`` and its territory's labels. Without the territories file, names outside the alert's own labels
cannot be judged: they are listed once, as a note.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import get_args

from vigie.notifier.matchers import Matcher
from vigie.notifier.routes_config import Route, RoutesConfig
from vigie.schemas import DigestPeriod, Severity
from vigie.schemas.alert import IncidentKind, Transition
from vigie.schemas.territory import TerritoryConfig

Location = tuple[str | int, ...]

#: The labels every alert carries besides its territory's, with their closed set of values (None: open).
ALERT_OWN_LABELS: dict[str, tuple[str, ...] | None] = {
    "territory_id": None,
    "territory": None,
    "severity": get_args(Severity),
    "transition": get_args(Transition),
    "kind": get_args(IncidentKind),
}
#: The labels every digest carries besides its territory's.
DIGEST_OWN_LABELS: dict[str, tuple[str, ...] | None] = {
    "territory_id": None,
    "territory": None,
    "period": get_args(DigestPeriod),
}


@dataclass(frozen=True)
class KnownLabels:
    """The label names an event can carry and, where known, every value each can take."""

    event: str  # "alert" or "digest"
    values: dict[str, tuple[str, ...] | None]
    complete: bool  # False: the territories' labels are unknown (no territories file)

    def describe(self) -> str:
        names = ", ".join(sorted(self.values))
        return names if self.complete else f"{names} and the territories' labels"


def known_labels(
    event: str, own: Mapping[str, tuple[str, ...] | None], territories: TerritoryConfig | None
) -> KnownLabels:
    """The labels of alerts (``own`` = :data:`ALERT_OWN_LABELS`) or digests, with the territories' labels."""
    values = dict(own)
    if territories is None:
        return KnownLabels(event, values, complete=False)
    values["territory_id"] = tuple(t.id for t in territories.territories)
    values["territory"] = tuple(t.name for t in territories.territories)
    territory_values: dict[str, set[str]] = {}
    for territory in territories.territories:
        for name, value in territory.labels.items():
            territory_values.setdefault(name, set()).add(value)
    for name, found in territory_values.items():
        if name not in own:  # an alert's own label wins over a territory label of the same name
            values[name] = tuple(sorted(found))
    return KnownLabels(event, values, complete=True)


def _problem(matcher: Matcher, known: KnownLabels) -> str | None:
    if matcher.op == "=" and matcher.value[:1] in ("=", "~"):
        return f"matcher {matcher} compares with {matcher.value!r}: did you mean {matcher.name}{matcher.value}?"
    if matcher.name not in known.values:
        if not known.complete:
            return None  # perhaps a territory label: listed in the note
        return (
            f"no {known.event} carries the label {matcher.name!r}: {matcher} never matches (labels: {known.describe()})"
        )
    values = known.values[matcher.name]
    if values is None or not values or matcher.op not in ("=", "=~"):
        return None
    if not any(matcher.matches({matcher.name: value}) for value in values):
        shown = ", ".join(values[:12]) + (", ..." if len(values) > 12 else "")
        return f"{matcher} never matches: {matcher.name} is one of {shown}"
    return None


def _routes(route: Route, where: Location) -> Iterator[tuple[Route, Location]]:
    yield route, where
    for index, child in enumerate(route.routes):
        yield from _routes(child, (*where, "routes", index))


def _where(source: str, lines: Mapping[Location, int], loc: Location) -> str:
    field = ""
    for part in loc:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else part)
    line = lines.get(loc)
    return f"{source}:{line}: {field}" if line is not None else f"{source}: {field}"


def matcher_warnings(
    config: RoutesConfig,
    territories: TerritoryConfig | None,
    source: str = "<routes>",
    lines: Mapping[Location, int] | None = None,
) -> list[str]:
    """One ``file:line: field: warning: ...`` line per matcher that can never match, then (without a
    territories file) one note listing the label names that could only be territory labels."""
    lines = lines or {}
    alert = known_labels("alert", ALERT_OWN_LABELS, territories)
    digest = known_labels("digest", DIGEST_OWN_LABELS, territories)
    checked: list[tuple[Matcher, KnownLabels, Location]] = []
    for route, where in _routes(config.route, ("route",)):
        checked.extend((m, alert, (*where, "matchers")) for m in route.matchers)
    unknown_ids: list[str] = []
    for index, receiver in enumerate(config.receivers):
        if receiver.digest is None:
            continue
        where = ("receivers", index, "digest")
        checked.extend((m, digest, (*where, "matchers")) for m in receiver.digest.matchers)
        if territories is not None:
            ids = {t.id for t in territories.territories}
            for unknown in (t for t in receiver.digest.territories if t not in ids):
                location = _where(source, lines, (*where, "territories"))
                unknown_ids.append(f"{location}: warning: no territory has the id {unknown!r}")
    warnings: list[str] = []
    unjudged: set[str] = set()
    for matcher, known, loc in checked:
        problem = _problem(matcher, known)
        if problem is not None:
            warnings.append(f"{_where(source, lines, loc)}: warning: {problem}")
        elif matcher.name not in known.values:
            unjudged.add(matcher.name)
    warnings.extend(unknown_ids)
    if unjudged:
        warnings.append(
            f"{source}: note: matchers on {', '.join(sorted(unjudged))}: not labels of every alert "
            f"({', '.join(ALERT_OWN_LABELS)}); they match only if the territories carry them: "
            "pass --territories FILE to check"
        )
    return warnings
