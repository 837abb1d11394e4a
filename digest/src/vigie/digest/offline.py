"""Offline digests (``vigie digest``, backfills, the benchmark): the same accumulator as the service, fed a
whole file, closed at the end of the input, and filtered to the requested local dates.

Because no period closes before the input ends, nothing is late and the result does not depend on the
order of the lines; a backfill of a range gives the digests the live service produced for it, provided the
input starts early enough for the comparisons (the previous period, the theme baseline).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from vigie.digest.accumulator import DigestAccumulator
from vigie.digest.options import DigestOptions
from vigie.schemas import AlertEvent, DigestEvent, ScoredMention, Territory


@dataclass
class OfflineTotals:
    """What an offline run saw."""

    mentions: int = 0
    duplicates: int = 0
    unknown_territory: int = 0
    alerts: int = 0


def digest_offline(
    mentions: Iterable[ScoredMention],
    territories: Iterable[Territory],
    options: DigestOptions,
    *,
    first_day: date,
    end_day: date,
    alerts: Iterable[AlertEvent] = (),
    totals: OfflineTotals | None = None,
) -> list[DigestEvent]:
    """The digests of every period whose local start date is in ``[first_day, end_day)``, oldest first.

    Mentions of territories absent from ``territories`` are skipped (counted in ``totals``), as the
    service would dead-letter them.
    """
    totals = totals if totals is not None else OfflineTotals()
    known = list(territories)
    ids = {territory.id for territory in known}
    accumulator = DigestAccumulator(known, options)
    for alert in alerts:
        totals.alerts += accumulator.observe_alert(alert)
    for mention in mentions:
        if mention.territory_id not in ids:
            totals.unknown_territory += 1
            continue
        outcome = accumulator.observe(mention)
        totals.mentions += outcome == "counted"
        totals.duplicates += outcome == "duplicate"
    return [digest for digest in accumulator.flush() if first_day <= digest.period_date < end_day]
