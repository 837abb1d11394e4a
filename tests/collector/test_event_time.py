"""Event time bounded at ingestion: out-of-range publication dates are clamped to collection time, visibly,
and no date — however large its offset — makes the bound raise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigie.collector.event_time import EventTimeBounds
from vigie.collector.items import Batch, CollectedItem
from vigie.schemas import RawMention

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
BOUNDS = EventTimeBounds()


@pytest.mark.parametrize(
    ("published", "kept"),
    [
        (NOW - timedelta(days=3), True),
        (NOW + timedelta(seconds=300), True),
        (NOW + timedelta(seconds=301), False),
        (datetime(2099, 1, 1, tzinfo=UTC), False),
        (datetime(2000, 1, 1, tzinfo=UTC), True),
        (datetime(1999, 12, 31, 23, 59, tzinfo=UTC), False),
        (datetime(1970, 1, 1, tzinfo=UTC), False),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), False),  # UTC conversion overflows
        (datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))), False),
        (datetime(2026, 11, 27, 7, 0), True),  # naive: UTC
    ],
)
def test_dates_out_of_range_become_the_collection_time(published: datetime, kept: bool) -> None:
    bounded, claimed = BOUNDS.bound(published, NOW)
    if kept:
        assert claimed is None and bounded == published.replace(tzinfo=published.tzinfo or UTC)
    else:
        assert bounded == NOW and claimed == published.isoformat()


def test_file_replay_has_no_future_bound_but_keeps_the_floor() -> None:
    replay = EventTimeBounds(max_future_skew_s=None)
    assert replay.bound(datetime(2099, 1, 1, tzinfo=UTC), NOW) == (datetime(2099, 1, 1, tzinfo=UTC), None)
    assert replay.bound(datetime(1990, 1, 1, tzinfo=UTC), NOW)[1] == "1990-01-01T00:00:00+00:00"
    assert replay.bound(datetime(9500, 1, 1, tzinfo=UTC), NOW)[0] == NOW  # beyond what the contract carries


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="max_future_skew_s"):
        EventTimeBounds(max_future_skew_s=-1)
    with pytest.raises(ValueError, match="floor"):
        EventTimeBounds(floor=datetime(1960, 1, 1, tzinfo=UTC))


@given(
    published=st.datetimes(
        timezones=st.one_of(
            st.none(), st.timedeltas(timedelta(hours=-23, minutes=-59), timedelta(hours=23, minutes=59)).map(timezone)
        )
    )
)
def test_any_date_with_any_offset_gives_a_date_the_contract_accepts(published: datetime) -> None:
    bounded, _ = BOUNDS.bound(published, NOW)
    assert datetime(2000, 1, 1, tzinfo=UTC) <= bounded <= NOW + timedelta(seconds=300)


async def test_the_pipeline_clamps_visibly_and_keeps_the_mention(make_pipeline, sink, clock, sample) -> None:
    item = CollectedItem(
        kind="mastodon",
        instance="piaille.fr",
        native_id="1",
        text="La plage de Saint-Malo est fermée",
        published_at=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    )
    report = await make_pipeline().process(Batch(items=[item]))
    assert report.emitted == 1
    (mention,) = sink.mentions()
    assert isinstance(mention, RawMention)
    assert mention.published_at == mention.collected_at == clock.now()
    assert mention.published_at_claimed == "0001-01-01T00:00:00+14:00"
    assert sample("vigie_collector_dates_clamped_total", source="mastodon") == 1
