"""Hostile values for property tests of the sources' item readers: field values no reader may choke on (lone
surrogates, extreme dates, 5,000-digit integers, deep nesting...) and records with some fields replaced by them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HOSTILE_STRINGS = [
    "",
    "\ud800",
    "x\udc00y",
    "\x00",
    "<![<",
    "<![CDATA[",
    "&#99999999999;",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2099-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "²³",
    "9" * 5000,
    "x" * 70_000,
    "SIX",  # an enumerated value outside its enumeration (a Google star rating)
]


def nested_lists(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**19, max_value=10**5000),
    st.integers(max_value=-1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_STRINGS),
    st.text(st.characters(exclude_categories=()), max_size=30),
    st.integers(0, 300).map(nested_lists),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any], nested: str | None = None) -> dict[str, Any]:
    """``base`` with one to three fields (of it, or of its ``nested`` object) set to hostile values."""
    value: dict[str, Any] = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        target = value
        if nested is not None and draw(st.booleans()) and isinstance(value.get(nested), dict):
            target = value[nested]
        field = draw(st.sampled_from([*sorted(target), "reblog", "extra"]))
        target[field] = draw(hostile_values)
    return value


fuzz_settings = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
