"""The mute stages a due notification passes before it is sent, in order (after Alertmanager's
``inhibit -> time windows -> silence`` stages): the first stage that objects decides, and its verdict is
logged as the notification's outcome so it is never reconsidered (not even after a restart)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from vigie.notifier.notification import Notification
from vigie.notifier.quiet_hours import in_quiet_hours, quiet_hours_end
from vigie.notifier.silences import Silences


@dataclass(frozen=True)
class Verdict:
    """``silenced``/``suppressed`` are final (logged); ``deferred`` asks to try again at ``until``."""

    action: Literal["silenced", "suppressed", "deferred"]
    reason: str
    until: datetime | None = None


class Stage(Protocol):
    """One reason not to send. ``check`` is pure: it returns None to let the notification through, or the
    verdict; it must not depend on anything but the notification, ``now`` and the stage's own state."""

    def check(self, notification: Notification, now: datetime) -> Verdict | None: ...


class SilenceStage:
    """Muted by an active silence whose matchers all match the alert."""

    def __init__(self, silences: Silences) -> None:
        self.silences = silences

    def check(self, notification: Notification, now: datetime) -> Verdict | None:
        silence = self.silences.silencing(notification.alert, now)
        return Verdict("silenced", f"silence {silence.id}") if silence is not None else None


class QuietHoursStage:
    """Held back during the receiver's quiet hours, unless severe enough: deferred to their end (the
    latest state is sent then) or dropped, as the receiver's ``quiet_hours.action`` says."""

    def check(self, notification: Notification, now: datetime) -> Verdict | None:
        receiver = notification.receiver
        if receiver.quiet_hours is None or not in_quiet_hours(receiver, now, notification.alert.severity):
            return None
        if receiver.quiet_hours.action == "drop":
            return Verdict("suppressed", "quiet_hours")
        return Verdict("deferred", "quiet_hours", quiet_hours_end(receiver, now))


class NeverNotifiedStage:
    """A resolution is not news to a receiver who never heard of the incident."""

    def check(self, notification: Notification, now: datetime) -> Verdict | None:
        if notification.kind == "open" and notification.alert.transition == "resolved":
            return Verdict("suppressed", "never_notified")
        return None


def default_stages(silences: Silences) -> Sequence[Stage]:
    return (SilenceStage(silences), QuietHoursStage(), NeverNotifiedStage())


def first_verdict(stages: Sequence[Stage], notification: Notification, now: datetime) -> Verdict | None:
    for stage in stages:
        verdict = stage.check(notification, now)
        if verdict is not None:
            return verdict
    return None
