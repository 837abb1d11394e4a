"""Quiet hours: a receiver's local hours when only severe incidents may notify (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from vigie.notifier.routes_config import WEEKDAYS, Receiver
from vigie.schemas import SEVERITY_RANK, Severity


def in_quiet_hours(receiver: Receiver, at: datetime, severity: Severity) -> bool:
    """True when a notification of ``severity`` at ``at`` must be held back for ``receiver``.

    The receiver's local time decides; a window with ``start > end`` spans midnight and belongs to the
    day it starts (Friday 22:00-07:00 covers Saturday 03:00).
    """
    quiet = receiver.quiet_hours
    if quiet is None or SEVERITY_RANK[severity] >= SEVERITY_RANK[quiet.min_severity]:
        return False
    local = at.astimezone(receiver.zone)
    clock = local.time().replace(tzinfo=None)
    today = WEEKDAYS[local.weekday()]
    yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
    if quiet.start <= quiet.end:
        return today in quiet.days and quiet.start <= clock < quiet.end
    if clock >= quiet.start:
        return today in quiet.days
    if clock < quiet.end:
        return yesterday in quiet.days
    return False


def quiet_hours_end(receiver: Receiver, at: datetime) -> datetime:
    """When the quiet hours that contain ``at`` end (as an aware datetime; ``at`` must be inside them)."""
    quiet = receiver.quiet_hours
    assert quiet is not None
    local = at.astimezone(receiver.zone)
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.replace(tzinfo=receiver.zone)  # re-resolve the offset across a DST change
