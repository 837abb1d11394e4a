"""Liveness: a stage with work waiting and no progress for the timeout fails ``/healthz``; a failed agent too."""

from __future__ import annotations

from vigie.classifier.service.liveness import Liveness


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_stage_with_lag_and_no_progress_stalls_after_the_timeout() -> None:
    clock = Clock()
    liveness = Liveness(60, clock)
    liveness.observe("vigie.mentions.raw.v1[0]", 10, waiting=True)
    clock.now = 59
    liveness.observe("vigie.mentions.raw.v1[0]", 10, waiting=True)
    assert liveness.reason() is None
    clock.now = 60
    assert liveness.stalled() == ["vigie.mentions.raw.v1[0]"]
    assert liveness.reason() == "no progress with work waiting: vigie.mentions.raw.v1[0] (60s)"
    liveness.observe("vigie.mentions.raw.v1[0]", 11, waiting=True)  # progress: alive again
    assert liveness.reason() is None


def test_a_stage_without_work_waiting_never_stalls() -> None:
    clock = Clock()
    liveness = Liveness(60, clock)
    for second in range(0, 600, 5):
        clock.now = second
        liveness.observe("table recovery", 0, waiting=False)
    assert liveness.reason() is None


def test_a_revoked_partition_is_forgotten() -> None:
    clock = Clock()
    liveness = Liveness(1, clock)
    liveness.observe("vigie.mentions.scored.v1[2]", 5, waiting=True)
    clock.now = 5
    liveness.forget("vigie.mentions.scored.v1[2]")
    assert liveness.reason() is None


def test_a_failed_agent_fails_for_good() -> None:
    liveness = Liveness(60, Clock())
    liveness.failed("score-raw", RuntimeError("producer closed"))
    assert liveness.reason() == "agent stopped: score-raw: RuntimeError: producer closed"


def test_a_stage_with_its_own_timeout_waits_for_it() -> None:
    """A rebalance may wait for a slow peer longer than a partition may go without progress."""
    clock = Clock()
    liveness = Liveness(60, clock, timeouts={"rebalance": 70})
    liveness.observe("rebalance", (3, 0), waiting=True)
    liveness.observe("vigie.mentions.raw.v1[0]", 10, waiting=True)
    clock.now = 60
    assert liveness.stalled() == ["vigie.mentions.raw.v1[0]"]
    clock.now = 70
    assert liveness.stalled() == ["rebalance", "vigie.mentions.raw.v1[0]"]
    assert liveness.reason() == "no progress with work waiting: rebalance (70s), vigie.mentions.raw.v1[0] (60s)"
