"""The territory's image: periodic digests (where people talk, what image they convey, who its ambassadors
are), computed from scored mentions and alert events in event time. Pure: no Kafka, faust or HTTP here.

- :class:`DigestAccumulator` — mentions and alerts in, :class:`~vigie.schemas.DigestEvent` out when the
  event-time watermark passes a period's end; JSON state for a changelog table.
- :class:`DigestStreamStep` — the same, per partition of the scored mentions, for the classifier's agent.
- :func:`next_due` — when a receiver's digests are due, in its time zone, across daylight-saving changes.
- :mod:`vigie.digest.render` — HTML (with PNG charts), plain text, Slack and Teams payloads.
"""

from vigie.digest.accumulator import DigestAccumulator, Observation
from vigie.digest.options import DigestOptions
from vigie.digest.periods import Period, period_containing, period_starting
from vigie.digest.schedule import DigestSchedule, DueDigest, next_due
from vigie.digest.stream_step import DigestStreamStep

__all__ = [
    "DigestAccumulator",
    "DigestOptions",
    "DigestSchedule",
    "DigestStreamStep",
    "DueDigest",
    "Observation",
    "Period",
    "next_due",
    "period_containing",
    "period_starting",
]
