"""Digests at the ends of the calendar: an instant without periods is counted nowhere and fails nothing.

Mentions are dated by their sources: any date a ``datetime`` can hold may arrive. (Built with ``model_copy``,
which does not validate: these tests hold whatever bounds the schemas put on dates.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from vigie.digest import DigestAccumulator, DigestStreamStep
from vigie.digest.periods import (
    FIRST_INSTANT,
    LAST_INSTANT,
    PeriodOutOfRangeError,
    in_range,
    in_range_at,
    period_containing,
)
from vigie.schemas import ScoredMention, Territory

DAY = datetime(2026, 7, 14, 6, 0, tzinfo=UTC)

EXTREMES = [
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),  # before year 1 in UTC
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))),  # after year 9999 in UTC
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("instant", EXTREMES, ids=lambda d: d.isoformat())
@pytest.mark.parametrize("kind", ["day", "week"])
def test_instants_without_periods_raise_a_value_error_not_an_overflow(instant: datetime, kind: str) -> None:
    with pytest.raises(PeriodOutOfRangeError):
        period_containing(kind, instant, "Pacific/Kiritimati")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["day", "week"])
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris"])
def test_the_first_and_last_instants_with_periods_have_them_with_their_neighbours(kind: str, zone: str) -> None:
    for instant in (FIRST_INSTANT, LAST_INSTANT - timedelta(microseconds=1)):
        period = period_containing(kind, instant, zone)  # type: ignore[arg-type]
        assert period.start <= instant < period.end
        assert period.previous().end == period.start and period.following().start == period.end
        assert period.bucket_index(instant) in range(len(period.bucket_starts()))


@pytest.fixture
def normal(kit: Any) -> ScoredMention:
    mention: ScoredMention = kit.scored("normal", text="Belle plage", published_at=DAY)
    return mention


def test_an_accumulator_counts_extreme_dates_nowhere_and_goes_on(territory: Territory, normal: ScoredMention) -> None:
    accumulator = DigestAccumulator([territory])
    assert accumulator.observe(normal) == "counted"
    for n, instant in enumerate(EXTREMES):
        assert not in_range(instant)
        assert accumulator.observe(normal.model_copy(update={"mention_id": f"x{n}", "published_at": instant})) == (
            "out_of_range"
        )
        assert accumulator.close_periods(instant) == []
    assert accumulator.watermark is None or accumulator.watermark <= DAY
    digests = accumulator.flush()
    assert [d.volume.total for d in digests] == [1, 1]


def test_the_stream_step_keeps_its_watermark_through_extreme_dates(territory: Territory, normal: ScoredMention) -> None:
    step = DigestStreamStep([territory])
    hostile = [normal.model_copy(update={"mention_id": f"x{n}", "published_at": at}) for n, at in enumerate(EXTREMES)]
    assert step.process(0, [normal, *hostile]) == []
    assert step.out_of_range_mentions == len(EXTREMES)
    assert step.accumulator(0).watermark == DAY


def test_in_range_by_timestamp_is_in_range_at_the_ends_to_the_microsecond() -> None:
    one = timedelta(microseconds=1)
    zones = (UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-14)))
    edges = [edge + step for edge in (FIRST_INSTANT, LAST_INSTANT) for step in (-one, 0 * one, one)]
    for instant in [*EXTREMES, *(edge.astimezone(zone) for edge in edges for zone in zones), DAY]:
        assert in_range_at(instant, instant.timestamp()) == in_range(instant), instant


def test_record_by_record_the_stream_step_counts_extreme_dates_nowhere(
    territory: Territory, normal: ScoredMention
) -> None:
    step = DigestStreamStep([territory])
    for n, at in enumerate(EXTREMES):
        assert step.process_one(0, normal.model_copy(update={"mention_id": f"x{n}", "published_at": at})) == []
    step.process_one(0, normal)
    assert step.out_of_range_mentions == len(EXTREMES) and step.accumulator(0).watermark == DAY
