"""Incident pages survive a restart: the history is rebuilt from ``vigie.alerts.v1`` and the notification log
at start-up, against the real broker, poison records skipped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from tests.support.notifier import OPENED, make_alert
from vigie.notifier.incident_history import IncidentHistory
from vigie.notifier.kafka_io import replay_alert_history, replay_feedback_history, replay_notification_log
from vigie.notifier.notification_log import NotificationLog
from vigie.schemas import ALERTS, DELIVERIES, FEEDBACK, DeliveryReceipt, FeedbackEvent, encode

pytestmark = pytest.mark.broker


async def test_the_history_of_the_pages_is_rebuilt_from_the_topics(kafka: Any, unique: str) -> None:
    incident = f"saint-malo:negative_surge:{unique}"
    alerts = [
        make_alert(0, incident=incident),
        make_alert(1, "escalated", severity="critical", incident=incident),
    ]
    receipt = DeliveryReceipt(
        notification_id=f"mairie:{incident}:0", incident_id=incident, alert_event_id=f"{incident}:0",
        territory_id="saint-malo", receiver="mairie", integration="email", transition="raised",
        outcome="delivered", at=OPENED + timedelta(minutes=1),
    )  # fmt: skip
    acknowledged = FeedbackEvent(
        action_id=f"page:{incident}:n1:acknowledged", incident_id=incident, territory_id="saint-malo",
        action="acknowledged", actor="Camille", channel="page", at=OPENED + timedelta(minutes=3),
    )  # fmt: skip
    false_alarm = acknowledged.model_copy(
        update={"action_id": "slack:1700000000.1", "action": "false_alarm", "channel": "slack", "reason": "exercice"}
    )
    elsewhere = acknowledged.model_copy(update={"incident_id": f"nice:negative_surge:{unique}", "action_id": "x"})
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(ALERTS, b'{"a":' * 3000, key=b"poison")
        await producer.send_and_wait(FEEDBACK, b"not json", key=b"poison")
        for event in (acknowledged, acknowledged, false_alarm, elsewhere):  # a redelivered record, an unknown incident
            record = encode(FEEDBACK, event, source="/tests")
            await producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)
        for alert in alerts:
            record = encode(ALERTS, alert, source="/tests")
            await producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)
        record = encode(DELIVERIES, receipt, source="/tests")
        await producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()
    history = IncidentHistory()
    assert await replay_alert_history(kafka.bootstrap_servers, history) >= 2
    await replay_notification_log(kafka.bootstrap_servers, NotificationLog(), history=history)
    page = history.get(incident)
    assert page is not None
    assert [e.transition for e in page.timeline] == ["raised", "escalated"]
    assert page.latest.severity == "critical"
    assert [(d.receiver, d.outcome) for d in page.deliveries] == [("mairie", "delivered")]
    # The audit trail survives the restart, and so does idempotency: the same action retried does nothing.
    assert await replay_feedback_history(kafka.bootstrap_servers, history) >= 3
    assert [(a.action, a.actor, a.channel) for a in page.audit] == [
        ("acknowledged", "Camille", "page"),
        ("false_alarm", "Camille", "slack"),
    ]
    assert page.acknowledged == acknowledged and page.verdict == false_alarm
    assert history.act(incident, "acknowledged", "Camille", "page", OPENED, acknowledged.action_id) is None
    assert history.get(f"nice:negative_surge:{unique}") is None
