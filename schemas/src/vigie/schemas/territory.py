"""The territory configuration: what to watch for each territory, and what is normal for it.

A territory is matched by its name, aliases, hashtags, official accounts and landmarks (accent- and
case-insensitive). Names that are also common words or brands (Nice, Tours, Orange, Vienne) carry
``context_rules``: such an alias counts only when a context term is near and no veto term is.
``exclusions`` remove the occurrences of the territory's terms that lie inside them, and only those: "very nice"
removes the first "nice" of "Very nice weather in Nice", not the city; an exclusion covering no occurrence
removes nothing. ``vigie collector match`` shows, occurrence by occurrence, what counted and what removed the rest.
``events`` raise the expected volume over known dates, so that a festival is not mistaken for a crisis.
``labels`` are copied onto every alert and digest of the territory, for the notifier's routes: their names are
matcher names (letters, digits, ``_``, ``:``, ``.``, ``-``) and cannot be one the alert sets itself (``severity``).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints, field_validator, model_validator

from vigie.schemas._base import Contract, LanguageTag, ShortText, TerritoryId, TimeZoneName
from vigie.schemas.yaml_source import load_yaml_model

#: A territory label name, as a notifier matcher names it (``team``, ``comms.region``, ``cost-centre``).
LABEL_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:.-]{0,63}$")
#: Labels every alert or digest carries itself: a territory label of the same name would never be seen.
EVENT_LABELS = frozenset({"territory_id", "territory", "severity", "transition", "kind", "period"})

SizeClass = Literal["village", "town", "city", "metropolis", "region"]
Term = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]

#: Typical negative mentions per hour for a territory of each size class, before it has history.
SIZE_CLASS_PRIOR_PER_HOUR: dict[SizeClass, float] = {
    "village": 0.05,
    "town": 0.3,
    "city": 2.0,
    "metropolis": 10.0,
    "region": 6.0,
}


class ContextRule(Contract):
    """An ambiguous alias counts only with context: a required term in the text and no veto term against it."""

    term: Term = Field(description="The ambiguous alias, as written in `aliases` or the name.")
    require_any: tuple[Term, ...] = Field(
        default=(), description="At least one of these must appear in the text (e.g. 'plage', 'Côte d'Azur')."
    )
    reject_any: tuple[Term, ...] = Field(
        default=(),
        description="None of these may appear (e.g. 'forfait'); one that spells the term ('very nice' for 'Nice') "
        "rejects only the occurrences of the term it covers.",
    )
    case_sensitive: bool = Field(
        default=False,
        description="Match only when written with the configured capitalisation ('Nice', not 'nice').",
    )


class KnownEvent(Contract):
    """A known event that changes the expected volume (festival, match, holiday), inclusive dates."""

    name: ShortText
    start: date
    end: date
    volume_factor: Annotated[float, Field(gt=0, le=100)] = Field(
        default=2.0, description="Expected mentions are multiplied by this factor over the event."
    )

    @model_validator(mode="after")
    def _ordered(self) -> KnownEvent:
        if self.end < self.start:
            raise ValueError(f"event {self.name!r} ends ({self.end}) before it starts ({self.start})")
        return self


class Territory(Contract):
    """One watched territory."""

    id: TerritoryId
    name: ShortText
    aliases: tuple[Term, ...] = ()
    hashtags: tuple[Term, ...] = ()
    official_accounts: tuple[Term, ...] = ()
    landmarks: tuple[Term, ...] = ()
    exclusions: tuple[Term, ...] = ()
    context_rules: tuple[ContextRule, ...] = ()
    languages: tuple[LanguageTag, ...] = ("fr",)
    timezone: TimeZoneName = "Europe/Paris"
    size_class: SizeClass = "town"
    population: Annotated[int, Field(ge=0)] | None = None
    events: tuple[KnownEvent, ...] = ()
    labels: dict[Annotated[str, StringConstraints(max_length=64)], ShortText] = Field(default_factory=dict)

    @field_validator("labels")
    @classmethod
    def _routable_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not LABEL_NAME.match(name):
                raise ValueError(
                    f"label name {name!r:.80}: letters, digits, '_', ':', '.', '-' (not first), so that a route "
                    "matcher can name it"
                )
            if name in EVENT_LABELS:
                raise ValueError(
                    f"label name {name!r}: every alert or digest sets {name} itself, so it would be hidden"
                )
        return value

    @field_validator("hashtags")
    @classmethod
    def _strip_hash(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(tag.lstrip("#") for tag in value)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def event_factor(self, day: date) -> float:
        """The expected-volume factor on ``day`` (the largest of the events covering it, else 1)."""
        factors = [event.volume_factor for event in self.events if event.start <= day <= event.end]
        return max(factors, default=1.0)


class TerritoryConfig(Contract):
    """The territories file (``config/territories.example.yaml``)."""

    version: Literal[1] = 1
    territories: tuple[Territory, ...] = Field(json_schema_extra={"minItems": 1})

    @field_validator("territories")
    @classmethod
    def _some_territories(cls, value: tuple[Territory, ...]) -> tuple[Territory, ...]:
        # checked after the items (not Field(min_length=1)): a territory that fails validation is dropped
        # from the tuple, and a length bound would add a second, spurious "at least 1 item" error
        if not value:
            raise ValueError("at least one territory is needed")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> TerritoryConfig:
        seen: set[str] = set()
        for territory in self.territories:
            if territory.id in seen:
                raise ValueError(f"territory id {territory.id!r} is defined twice")
            seen.add(territory.id)
        return self

    def by_id(self) -> dict[str, Territory]:
        return {territory.id: territory for territory in self.territories}


def load_territories(path: str | Path) -> TerritoryConfig:
    """Load and validate a territories file; :class:`~vigie.schemas.errors.ConfigError` names file/line/field."""
    return load_yaml_model(TerritoryConfig, path)
