"""The behaviour users expect, on generated scenarios."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType


def test_sudden_crisis_is_raised_on_the_mention_that_makes_it_significant(sc: ModuleType) -> None:
    normal = sc.background("saint-malo", 15, 6, shape=sc.daily_rhythm)
    onset = sc.START + timedelta(days=14, hours=14)
    crisis = sc.burst("saint-malo", onset, 40, 30)
    events = sc.run(sc.merged(normal, crisis))
    raised = [e for e in events if e.transition == "raised"]
    assert len(raised) == 1
    assert onset <= raised[0].event_time <= onset + timedelta(minutes=10)
    assert raised[0].trigger_mention_id in {m.mention_id for m in crisis}
    assert raised[0].event_time == raised[0].opened_at
    assert raised[0].incident_id == f"saint-malo:negative_surge:{raised[0].opened_at:%Y%m%dT%H%MZ}"
    assert sc.transitions(events)[-1][0] == "resolved"
