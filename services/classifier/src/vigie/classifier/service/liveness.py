"""Whether the worker is doing its job, for ``/healthz`` (and ``/readyz``): a process that answers HTTP but
whose agents are dead or stuck must be restarted, not trusted.

A *stage* (an input partition of an agent, the table recovery) is *stalled* when it has work waiting (lag,
a recovery not completed) and its progress mark (the last offset processed, the offsets recovered) has not
changed for ``timeout_s`` seconds; a stage without work waiting is never stalled. An agent that stopped on an
error is *failed* for good. Pure: the caller observes the stages periodically (time is injected).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping


class Liveness:
    """Stalled stages and failed agents (see the module docstring)."""

    def __init__(
        self,
        timeout_s: float,
        clock: Callable[[], float] = time.monotonic,
        timeouts: Mapping[str, float] | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self._clock = clock
        #: Stages whose timeout is not ``timeout_s``.
        self._timeouts = dict(timeouts or {})
        #: Stage -> (its last progress mark, when it last changed or had no work waiting).
        self._marks: dict[str, tuple[Hashable, float]] = {}
        self._failed: dict[str, str] = {}

    def observe(self, stage: str, mark: Hashable, *, waiting: bool) -> None:
        """The stage's progress mark now, and whether it has work waiting."""
        previous = self._marks.get(stage)
        if not waiting or previous is None or previous[0] != mark:
            self._marks[stage] = (mark, self._clock())

    def forget(self, stage: str) -> None:
        """A stage this worker no longer runs (a revoked partition)."""
        self._marks.pop(stage, None)

    def failed(self, agent: str, error: BaseException) -> None:
        """An agent stopped on an error: the worker is not alive any more."""
        self._failed[agent] = f"{type(error).__name__}: {error}"[:300]

    def stalled(self) -> list[str]:
        """The stages with work waiting and no progress for ``timeout_s``, sorted."""
        now = self._clock()
        return sorted(
            stage
            for stage, (_, since) in self._marks.items()
            if now - since >= self._timeouts.get(stage, self.timeout_s)
        )

    def reason(self) -> str | None:
        """None while alive, else why not."""
        if self._failed:
            return "agent stopped: " + "; ".join(f"{agent}: {error}" for agent, error in sorted(self._failed.items()))
        stalled = self.stalled()
        if stalled:
            waited = ", ".join(f"{stage} ({self._timeouts.get(stage, self.timeout_s):g}s)" for stage in stalled)
            return f"no progress with work waiting: {waited}"
        return None
