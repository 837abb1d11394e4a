"""``vigie collector match``: which territories a text matches, and why — occurrence by occurrence.

Human-readable by default (one block per text); ``--json`` prints one JSON object per line with the same
content: ``text``, ``outcome``, ``territories`` (matched territory -> terms that counted) and ``explanation``
(every territory with a candidate: each occurrence, where, whether it counted and why not; the exclusion
phrases of the territory found in the text).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from vigie.collector.matching import MatchExplanation, Occurrence

NO_CANDIDATE = "no name, alias, landmark, hashtag or official account of any territory in the text"


def as_json(text: str, explanation: MatchExplanation) -> dict[str, Any]:
    """The JSON object printed by ``--json`` for one text."""
    result = explanation.result
    return {
        "text": text,
        "outcome": result.outcome,
        "territories": {m.territory_id: list(m.terms) for m in result.matches},
        "explanation": [asdict(territory) for territory in explanation.territories],
    }


def render(text: str, explanation: MatchExplanation) -> str:
    """The human-readable block for one text: outcome, then per territory every occurrence and its fate."""
    result = explanation.result
    matched = ", ".join(m.territory_id for m in result.matches)
    lines = [text, f"  {result.outcome}" + (f": {matched}" if matched else "")]
    if not explanation.territories:
        lines.append(f"    {NO_CANDIDATE}")
    for territory in explanation.territories:
        verdict = "matched" if territory.matched else "not matched"
        lines.append(f"  {territory.territory_id}: {verdict}")
        for occurrence in territory.occurrences:
            lines.append(f"    {_occurrence(occurrence)}")
        for hit in territory.exclusions:
            note = f"removed {hit.removed} occurrence(s)" if hit.removed else "covers no occurrence: removes nothing"
            lines.append(f"    exclusion {hit.phrase!r} at {hit.start}-{hit.end}: {note}")
    return "\n".join(lines)


def _occurrence(occurrence: Occurrence) -> str:
    where = "as author" if occurrence.start is None else f"at {occurrence.start}-{occurrence.end}"
    what = f"{occurrence.written!r} ({occurrence.kind} {occurrence.term!r}) {where}"
    if occurrence.counted:
        return f"+ {what}: counts"
    return f"- {what}: {occurrence.reason}"
