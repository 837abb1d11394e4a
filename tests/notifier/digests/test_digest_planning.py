"""Digest subscriptions in the routes file, the digest store and the delivery planner (pure): local due
times across daylight-saving changes, late digests, restarts catching up, expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.support.notifier import make_digest, routes
from vigie.notifier.digests.planner import DigestPlanner
from vigie.notifier.digests.store import DigestStore
from vigie.notifier.routes_config import Receiver, load_routes
from vigie.schemas import ConfigError

LATE = timedelta(hours=12)
SHORT = timedelta(hours=1)  # no catch-up of earlier due times in the schedule tests


def receiver(period: str = "day", at: str = "08:00", timezone: str = "Europe/Paris", **extra: object) -> Receiver:
    return Receiver.model_validate(
        {
            "name": "mairie",
            "timezone": timezone,
            "digest": {"period": period, "at": at, "territories": ["saint-malo"], **extra},
            "slack": {"mode": "webhook", "webhook_url": "http://127.0.0.1:9/hook"},
        }
    )


def due_times(planner: DigestPlanner, until: datetime) -> list[tuple[datetime, date]]:
    seen: list[tuple[datetime, date]] = []
    while (when := planner.next_due_at()) is not None and when <= until:
        for delivery in planner.open_deliveries(when):
            if (delivery.due_at, delivery.period_date) not in seen:
                seen.append((delivery.due_at, delivery.period_date))
    return seen


def test_daily_digest_at_local_time_across_spring_and_autumn_changes() -> None:
    start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    planner = DigestPlanner((receiver(),), start, SHORT)
    assert due_times(planner, datetime(2026, 3, 31, tzinfo=UTC)) == [
        (datetime(2026, 3, 28, 7, 0, tzinfo=UTC), date(2026, 3, 27)),  # 08:00 CET
        (datetime(2026, 3, 29, 6, 0, tzinfo=UTC), date(2026, 3, 28)),  # 08:00 CEST, the day of the change
        (datetime(2026, 3, 30, 6, 0, tzinfo=UTC), date(2026, 3, 29)),
    ]
    autumn = DigestPlanner((receiver(at="02:30"),), datetime(2026, 10, 24, 12, 0, tzinfo=UTC), SHORT)
    assert [d for d, _ in due_times(autumn, datetime(2026, 10, 27, tzinfo=UTC))] == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the first of the two 02:30s (CEST)
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),  # 02:30 CET
    ]


def test_a_time_skipped_by_the_spring_change_moves_forward_by_the_gap() -> None:
    planner = DigestPlanner((receiver(at="02:30"),), datetime(2026, 3, 28, 12, 0, tzinfo=UTC), SHORT)
    assert planner.next_due_at() == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert planner.open_deliveries(datetime(2026, 3, 29, 1, 29, tzinfo=UTC)) == []
    [delivery] = planner.open_deliveries(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert delivery.period_date == date(2026, 3, 28)


def test_weekly_digest_on_its_weekday_in_the_receivers_zone() -> None:
    planner = DigestPlanner(
        (receiver(period="week", at="09:30", weekday="tue", timezone="America/New_York"),),
        datetime(2026, 7, 1, tzinfo=UTC),
        SHORT,
    )
    [(when, covered)] = due_times(planner, datetime(2026, 7, 8, tzinfo=UTC))
    assert when == datetime(2026, 7, 7, 13, 30, tzinfo=UTC)  # Tuesday 09:30 EDT
    assert covered == date(2026, 6, 29)  # the Monday of the previous week


def test_a_delivery_stays_open_until_the_late_limit_and_a_restart_catches_up() -> None:
    due = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)
    restarted = DigestPlanner((receiver(),), due + timedelta(hours=3), LATE)
    [delivery] = restarted.open_deliveries(due + timedelta(hours=3))
    assert (delivery.due_at, delivery.expires_at) == (due, due + LATE)
    assert restarted.open_deliveries(due + LATE) == []
    too_late = DigestPlanner((receiver(),), due + LATE + timedelta(minutes=1), LATE)
    assert too_late.open_deliveries(due + LATE + timedelta(minutes=1)) == []


def test_store_keeps_the_latest_version_and_forgets_revoked_partitions() -> None:
    store = DigestStore()
    day = date(2026, 7, 14)
    store.put(make_digest(day, total=10), partition=1)
    store.put(make_digest(day, total=20), partition=1)
    store.put(make_digest(day, territory_id="nice", territory_name="Nice"), partition=2)
    assert [d.volume.total for d in store.of_period("day", day)] == [40, 20]
    assert [d.territory_id for d in store.of_period("day", day)] == ["nice", "saint-malo"]
    store.forget_partitions({2})
    assert [d.territory_id for d in store.of_period("day", day)] == ["saint-malo"]
    assert store.prune(datetime(2026, 7, 20, tzinfo=UTC)) == 1
    assert len(store) == 0


def test_subscription_selects_by_territory_id_or_matchers() -> None:
    by_label = receiver(territories=[], matchers=["region=bretagne"]).digest
    by_id = receiver().digest
    assert by_label is not None and by_id is not None
    malo, nice = make_digest(date(2026, 7, 14)), make_digest(date(2026, 7, 14), "nice", "Nice", {"region": "paca"})
    assert by_label.wants(malo) and not by_label.wants(nice)
    assert by_id.wants(malo) and not by_id.wants(nice)
    assert by_id.at == time(8, 0)


def test_digest_section_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(
        "route:\n  receiver: mairie\nreceivers:\n  - name: mairie\n    digest:\n      period: month\n"
        "      at: '25:00'\n      territories: [saint-malo]\n"
        "    slack: {mode: webhook, webhook_url: 'http://127.0.0.1:9/hook'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_routes(path)
    text = str(error.value)
    assert f"{path}:6: receivers[0].digest.period:" in text
    assert f"{path}:7: receivers[0].digest.at:" in text
    with pytest.raises(ConfigError, match="needs territories or matchers"):
        routes(
            "route:\n  receiver: a\nreceivers:\n  - name: a\n    digest: {period: day}\n"
            "    teams: {url: 'http://127.0.0.1:9/teams'}\n"
        )
    with pytest.raises(ConfigError, match="not by webhook"):
        routes(
            "route:\n  receiver: a\nreceivers:\n  - name: a\n    digest: {period: day, territories: [x]}\n"
            "    webhook: {url: 'http://127.0.0.1:9/hook'}\n"
        )
