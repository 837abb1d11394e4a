"""The digests the notifier knows: the latest version per (territory, period, local start date) (pure).

The classifier emits a digest when event time passes the period's end and may emit it again (a replay, a
late correction); the last one read wins (one territory is one record key, so its digests keep their
order). Digests are remembered per partition so that a partition given to another notifier is forgotten.
"""

from __future__ import annotations

from datetime import date, datetime

from vigie.schemas import DigestEvent, DigestPeriod

DigestKey = tuple[str, DigestPeriod, date]


class DigestStore:
    def __init__(self) -> None:
        self._digests: dict[DigestKey, tuple[int, DigestEvent]] = {}

    def __len__(self) -> int:
        return len(self._digests)

    def put(self, digest: DigestEvent, partition: int = 0) -> None:
        """Keep ``digest`` as the latest of its territory, period and start date."""
        self._digests[(digest.territory_id, digest.period, digest.period_date)] = (partition, digest)

    def get(self, territory_id: str, period: DigestPeriod, period_date: date) -> DigestEvent | None:
        entry = self._digests.get((territory_id, period, period_date))
        return entry[1] if entry is not None else None

    def of_period(self, period: DigestPeriod, period_date: date) -> list[DigestEvent]:
        """Every territory's digest of that period, ordered by territory id."""
        found = [d for (_, p, day), (_, d) in self._digests.items() if p == period and day == period_date]
        return sorted(found, key=lambda d: d.territory_id)

    def forget_partitions(self, partitions: set[int]) -> None:
        """Drop the digests read from ``partitions`` (revoked from this consumer)."""
        self._digests = {k: v for k, v in self._digests.items() if v[0] not in partitions}

    def prune(self, ended_before: datetime) -> int:
        """Drop the digests of periods that ended before ``ended_before``; return how many."""
        old = [k for k, (_, d) in self._digests.items() if d.period_end < ended_before]
        for key in old:
            del self._digests[key]
        return len(old)
