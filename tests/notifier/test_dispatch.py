"""The dispatcher (pure): grouping, rate limits, reminders, dedup, escalation, quiet hours, silences,
and offsets held until every notification carrying a record is finished. Time is a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.notifier import email_receiver, make_alert, routes
from vigie.notifier.dispatch import Dispatcher, Job
from vigie.notifier.matchers import Matcher
from vigie.notifier.notification_log import NotificationLog
from vigie.notifier.offsets import OffsetTracker, RecordRef
from vigie.notifier.silences import Silences
from vigie.runtime.clock import FakeClock

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 10:00 in Paris

CONFIG = routes(
    "route:\n  receiver: comms\n  group_wait: 30s\n  group_interval: 5m\n  repeat_interval: 4h\n"
    "  escalation: {receiver: boss, after: 30m}\n"
    "receivers:\n"
    + email_receiver("comms", 25, extra='    quiet_hours: {start: "22:00", end: "07:00", min_severity: critical}\n')
    + email_receiver("boss", 25, locale="en")
)


def record(offset: int) -> RecordRef:
    return RecordRef("vigie.alerts.v1", 0, offset)


def setup(log: NotificationLog | None = None) -> tuple[Dispatcher, FakeClock, OffsetTracker, Silences]:
    clock = FakeClock(T0)
    tracker = OffsetTracker()
    silences = Silences()
    return Dispatcher(CONFIG, silences, log or NotificationLog(), tracker, clock), clock, tracker, silences


def finish(dispatcher: Dispatcher, clock: FakeClock, jobs: list[Job], ref: str = "<thread@x>") -> None:
    for job in jobs:
        outcome = "delivered" if job.action == "send" else job.action
        dispatcher.complete(job, job.receipt(outcome, clock.now(), thread_ref=ref))


def test_updates_within_group_wait_fold_into_one_first_message() -> None:
    dispatcher, clock, tracker, _ = setup()
    assert dispatcher.accept(make_alert(0), record(0)) == {"comms": "scheduled"}
    clock.advance(10)
    dispatcher.accept(make_alert(1, "updated"), record(1))
    assert dispatcher.next_due_at() == T0 + timedelta(seconds=30)
    clock.advance(19)
    assert dispatcher.take_due() == []
    clock.advance(1)
    jobs = dispatcher.take_due()
    assert [(j.notification.notification_id, j.notification.kind) for j in jobs] == [
        ("comms:saint-malo:negative_surge:20261127T0800:1", "open")
    ]
    assert tracker.committable() == {("vigie.alerts.v1", 0): 0}  # nothing finished before delivery
    finish(dispatcher, clock, jobs)
    assert tracker.committable() == {("vigie.alerts.v1", 0): 2}


def test_group_interval_rate_limits_updates_but_not_the_resolution() -> None:
    dispatcher, clock, tracker, _ = setup()
    dispatcher.accept(make_alert(0), record(0))
    clock.advance(30)
    finish(dispatcher, clock, dispatcher.take_due())
    sent_at = clock.now()
    clock.advance(10)
    dispatcher.accept(make_alert(1, "updated"), record(1))
    clock.advance(20)
    dispatcher.accept(make_alert(2, "escalated", severity="critical"), record(2))
    assert dispatcher.take_due() == []
    assert dispatcher.next_due_at() == sent_at + timedelta(minutes=5)
    clock.set(sent_at + timedelta(minutes=5))
    jobs = dispatcher.take_due()
    assert [(j.notification.alert.sequence, j.notification.kind, j.notification.thread_ref) for j in jobs] == [
        (2, "update", "<thread@x>")
    ]
    finish(dispatcher, clock, jobs)
    clock.advance(60)
    dispatcher.accept(make_alert(3, "resolved"), record(3))
    jobs = dispatcher.take_due()
    assert [(j.notification.kind, j.action) for j in jobs] == [("resolve", "send")]
    finish(dispatcher, clock, jobs)
    assert tracker.committable() == {("vigie.alerts.v1", 0): 4}


def test_an_escalation_folded_into_a_later_update_still_reads_as_worsened() -> None:
    """The receiver's last message said MAJOR; an escalation and a later update fold into one message: it must
    say the incident worsened, not merely that there is new evidence."""
    from vigie.notifier.rendering.view import build_view

    dispatcher, clock, _, _ = setup()
    dispatcher.accept(make_alert(0), record(0))
    clock.advance(30)
    finish(dispatcher, clock, dispatcher.take_due())
    clock.advance(10)
    dispatcher.accept(make_alert(1, "escalated", severity="critical"), record(1))
    dispatcher.accept(make_alert(2, "updated", severity="critical"), record(2))
    clock.advance(timedelta(minutes=5))
    [job] = dispatcher.take_due()
    assert (job.notification.alert.transition, job.notification.worsened) == ("updated", True)
    view = build_view(job.notification, clock.now())
    assert view.status == "CRITIQUE — aggravation" and "s'aggrave" in view.intro
    finish(dispatcher, clock, [job])
    clock.advance(timedelta(minutes=10))
    dispatcher.accept(make_alert(3, "updated", severity="critical"), record(3))
    clock.advance(timedelta(minutes=5))
    [later] = dispatcher.take_due()
    assert not later.notification.worsened
    assert build_view(later.notification, clock.now()).status == "CRITIQUE — mise à jour"


def test_repeat_interval_reminds_while_the_incident_stays_open() -> None:
    dispatcher, clock, _, _ = setup()
    dispatcher.accept(make_alert(0), record(0))
    clock.advance(30)
    finish(dispatcher, clock, dispatcher.take_due())
    clock.advance(timedelta(hours=4) - timedelta(seconds=1))
    assert dispatcher.take_due() == []
    clock.advance(1)
    jobs = dispatcher.take_due()
    assert len(jobs) == 1 and jobs[0].notification.kind == "reminder"
    assert ":repeat:" in jobs[0].notification.notification_id
    finish(dispatcher, clock, jobs)
    assert dispatcher.next_due_at() == clock.now() + timedelta(hours=4)


def test_the_log_prevents_sending_twice() -> None:
    dispatcher, clock, _, _ = setup()
    dispatcher.accept(make_alert(0), record(0))
    clock.advance(30)
    jobs = dispatcher.take_due()
    finish(dispatcher, clock, jobs)
    # A restarted process replays the receipts into a fresh log, then sees the same alert again.
    replayed = NotificationLog()
    replayed.record(jobs[0].receipt("delivered", clock.now(), thread_ref="<t@x>"))
    again, clock2, tracker2, _ = setup(replayed)
    assert again.accept(make_alert(0), record(0)) == {"comms": "duplicate"}
    assert tracker2.committable() == {("vigie.alerts.v1", 0): 1}
    assert again.accept(make_alert(1, "updated"), record(1)) == {"comms": "scheduled"}
    clock2.advance(timedelta(minutes=6))
    [update] = again.take_due()
    assert update.notification.kind == "update" and update.notification.thread_ref == "<t@x>"


def test_resolved_before_anyone_was_told_is_not_sent() -> None:
    dispatcher, clock, tracker, _ = setup()
    dispatcher.accept(make_alert(0), record(0))
    clock.advance(5)
    dispatcher.accept(make_alert(1, "resolved"), record(1))
    [job] = dispatcher.take_due()
    assert (job.action, job.reason) == ("suppressed", "never_notified")
    finish(dispatcher, clock, [job])
    assert tracker.committable() == {("vigie.alerts.v1", 0): 2}


def test_escalation_after_critical_for_long_enough_and_cancelled_otherwise() -> None:
    dispatcher, clock, tracker, _ = setup()
    dispatcher.accept(make_alert(0, severity="critical"), record(0))
    clock.advance(30)
    finish(dispatcher, clock, dispatcher.take_due())
    assert tracker.committable() == {("vigie.alerts.v1", 0): 0}  # held by the escalation timer
    clock.advance(timedelta(minutes=30))
    jobs = dispatcher.take_due()
    assert [(j.notification.receiver.name, j.notification.kind, j.notification.escalated) for j in jobs] == [
        ("boss", "open", True)
    ]
    finish(dispatcher, clock, jobs)
    assert tracker.committable() == {("vigie.alerts.v1", 0): 1}
    # Once escalated, the boss follows the incident to its end.
    clock.advance(600)
    assert set(dispatcher.accept(make_alert(1, "resolved"), record(1))) == {"comms", "boss"}

    other, clock, tracker, _ = setup()
    incident = "nice:negative_surge:20261127T0800"
    other.accept(make_alert(0, severity="critical", incident=incident), record(0))
    clock.advance(60)
    other.accept(make_alert(1, "updated", severity="major", incident=incident), record(1))
    clock.advance(timedelta(hours=1))
    jobs = other.take_due()
    assert {j.notification.receiver.name for j in jobs} == {"comms"}


def test_quiet_hours_defer_minor_incidents_to_the_morning() -> None:
    dispatcher, clock, tracker, _ = setup()
    clock.set(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))  # 23:30 in Paris
    dispatcher.accept(make_alert(0, severity="major"), record(0))
    dispatcher.accept(make_alert(0, severity="critical", incident="other:negative_surge:x"), record(1))
    clock.advance(30)
    [critical] = dispatcher.take_due()
    assert (critical.notification.alert.incident_id, critical.action) == ("other:negative_surge:x", "send")
    morning = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # 07:00 in Paris
    malo = "saint-malo:negative_surge:20261127T0800"
    clock.set(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    dispatcher.accept(make_alert(1, "updated", severity="major"), record(2))  # folded into the deferred one
    clock.set(morning - timedelta(seconds=1))
    assert [j for j in dispatcher.take_due() if j.notification.alert.incident_id == malo] == []
    clock.set(morning)
    [deferred] = dispatcher.take_due()
    assert (deferred.notification.alert.sequence, deferred.notification.kind, deferred.action) == (1, "open", "send")
    finish(dispatcher, clock, [deferred])
    assert tracker.committable() == {("vigie.alerts.v1", 0): 1}  # offset 1 (critical) is not finished yet


def test_quiet_hours_can_drop_instead() -> None:
    config = routes(
        "route: {receiver: comms, group_wait: 0s}\nreceivers:\n"
        + email_receiver("comms", 25, extra='    quiet_hours: {start: "22:00", end: "07:00", action: drop}\n')
    )
    clock = FakeClock(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))
    dispatcher = Dispatcher(config, Silences(), NotificationLog(), OffsetTracker(), clock)
    dispatcher.accept(make_alert(0, severity="major"), record(0))
    [job] = dispatcher.take_due()
    assert (job.action, job.reason) == ("suppressed", "quiet_hours")


def test_silences_mute_matching_notifications_until_they_expire() -> None:
    dispatcher, clock, _, silences = setup()
    silence = silences.add((Matcher.parse("territory_id=saint-malo"),), T0, T0 + timedelta(hours=1), "ops", "known")
    dispatcher.accept(make_alert(0), record(0))
    dispatcher.accept(make_alert(0, territory_id="nice", incident="nice:1"), record(1))
    clock.advance(30)
    actions = {j.notification.alert.territory_id: (j.action, j.reason) for j in dispatcher.take_due()}
    assert actions == {"saint-malo": ("silenced", f"silence {silence.id}"), "nice": ("send", None)}
    silences.expire(silence.id, clock.now())
    assert silences.silencing(make_alert(0), clock.now()) is None
