"""Scheduled delivery of territory digests, beside (never in front of) the incident notifications.

- :class:`~vigie.notifier.digests.store.DigestStore` — the latest digest per (territory, period, start).
- :class:`~vigie.notifier.digests.planner.DigestPlanner` — which periods are due for which receiver, when.
- :class:`~vigie.notifier.digests.deliverer.DigestDeliverer` — the scheduled task: sends each due digest
  once per receiver (receipt per (receiver, digest id)), after the alerts in flight.
- :mod:`~vigie.notifier.digests.channels` — email (HTML, text, inline PNG charts), Slack and Teams senders.
- :class:`~vigie.notifier.digests.intake.DigestIntake` — the Kafka consumer of ``vigie.digests.v1``.
"""
