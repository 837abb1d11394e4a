"""The crisis detection engine (mention mode): scored mentions in, alert events out, per territory.

Pure and deterministic: no Kafka, no wall clock. Everything depends on the mentions' event time
(``published_at``) and content, so replaying history at full speed gives the alerts that living through it gave.

Each territory has a JSON-serialisable state (a few KB: the last day of 5-minute buckets, the hour-of-week
baseline, the open incident, bounded evidence). ``observe`` and ``advance`` take ownership of the state they
are given (it may be mutated) and return the new state, which the caller stores (a faust Table in the
service, a dict in ``vigie backtest``). A state survives a JSON round trip unchanged: storing and reloading
it between two calls gives exactly the same events as keeping it in memory. Its shape:
:class:`~vigie.classifier.detection.state.TerritoryState`; its JSON: :mod:`~vigie.classifier.detection.state_codec`.

Negative mentions are counted three ways per bucket: all mentions, negative mentions and reach-weighted
negative mentions (``1 + log10(1 + followers / 1000)``: a national outlet's post weighs about four posts,
an account with a hundred followers about one; a copy of another post weighs one).

With a :class:`~vigie.classifier.detection.rescoring.DecisionCascade`, the uncertain mentions of a territory under
test are counted (and shown in the evidence) with the stronger model's label; see that module.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from functools import partial
from typing import cast

from vigie.classifier.detection import evidence
from vigie.classifier.detection.errors import UnknownTerritoryError
from vigie.classifier.detection.local_time import LocalCalendar
from vigie.classifier.detection.rescoring import DecisionCascade
from vigie.classifier.detection.settings import DetectorSettings
from vigie.classifier.detection.state import TerritoryState
from vigie.classifier.detection.surge import Decision, SurgeDetector
from vigie.schemas import AlertEvent, ScoredMention, Significance, Territory, TerritoryConfig
from vigie.schemas.territory import SIZE_CLASS_PRIOR_PER_HOUR

__all__ = ["DetectionEngine", "DetectorSettings"]

#: The baseline level never falls below this fraction of the size-class prior.
_MIN_LEVEL_FRACTION = 0.05


def reach_weight(mention: ScoredMention, settings: DetectorSettings) -> float:
    """How much a negative mention counts in the reach-weighted series."""
    if mention.duplicate_of is not None:
        return 1.0
    return 1.0 + math.log10(1.0 + mention.reach / settings.reach_scale_followers)


class DetectionEngine:
    """Detects negative surges of every configured territory, one pure step per mention."""

    def __init__(
        self,
        territories: TerritoryConfig,
        settings: DetectorSettings | None = None,
        cascade: DecisionCascade | None = None,
    ) -> None:
        self.settings = settings or DetectorSettings()
        #: Re-scores the uncertain mentions of territories under test (None: the scoring stage's labels count).
        self.cascade = cascade
        self._territories: dict[str, Territory] = territories.by_id()
        self._detectors: dict[str, SurgeDetector] = {}
        #: Mentions later than the allowed lateness (ignored). Read it to export a metric.
        self.late_mentions = 0
        # Evidence is pruned to the long test window ending at the clock. A mention that does not move the clock
        # finds nothing to prune when no accepted mention can be older than that window: the previous mention
        # pruned at this very clock, and every row recorded since is no older than the allowed lateness.
        settings = self.settings
        self._prune_when_clock_moves = (
            settings.allowed_lateness_seconds <= settings.longest_window * settings.bucket_seconds
        )

    def territory(self, territory_id: str) -> Territory:
        found = self._territories.get(territory_id)
        if found is None:
            raise UnknownTerritoryError(territory_id)
        return found

    def detector(self, territory_id: str) -> SurgeDetector:
        detector = self._detectors.get(territory_id)
        if detector is None:
            territory = self.territory(territory_id)
            prior = SIZE_CLASS_PRIOR_PER_HOUR[territory.size_class] / self.settings.buckets_per_hour
            detector = SurgeDetector(
                territory.id,
                self.settings,
                LocalCalendar(territory.timezone, territory.event_factor),
                prior,
                share_test=True,
                min_level=prior * _MIN_LEVEL_FRACTION,
            )
            self._detectors[territory_id] = detector
        return detector

    def new_state(self, territory_id: str) -> TerritoryState:
        # The surge detector's state, given the keys of a territory's (the same dict: the key order stays).
        state = cast(TerritoryState, self.detector(territory_id).new_state())
        state["ev"] = evidence.new_evidence()
        return state

    def observe(
        self, mention: ScoredMention, state: TerritoryState | None, rescore_budget: list[int] | None = None
    ) -> tuple[TerritoryState, list[AlertEvent]]:
        """Account one mention of ``mention.territory_id`` (``state`` None for a territory never seen);
        ``rescore_budget``: the partition's budget of the decision cascade, if any (see its module).

        Raises :class:`UnknownTerritoryError` for a territory absent from the configuration (dead-letter it).
        A mention older than the territory's clock minus the allowed lateness is counted in
        ``late_mentions`` and otherwise ignored.
        """
        detector = self.detector(mention.territory_id)
        if state is None:
            state = self.new_state(mention.territory_id)
        at = mention.published_at.timestamp()
        second = math.floor(at)
        clock = state["clock"]
        if detector.is_late(state, second):
            self.late_mentions += 1
            return state, []
        events = self._events(mention.territory_id, state, detector.advance(state, second), None)
        cascade = self.cascade
        if cascade is not None:
            mention = cascade.relabel(mention, state, rescore_budget)
        negative = mention.sentiment == "negative"
        weight = reach_weight(mention, self.settings) if negative else 0.0
        detector.add(state, second, 1 if negative else 0, 1, weight)
        if state["clock"] != clock or not self._prune_when_clock_moves:
            evidence.prune(state, self.settings)
        evidence.record(state, mention, negative, self.settings)
        if negative:
            reach = partial(evidence.max_recent_reach, state, self.settings)
            if cascade is None:
                decisions = detector.evaluate(state, at, reach)
            else:
                evaluation = detector.evaluation(state)
                cascade.note(state, evaluation)
                decisions = [] if evaluation is None else detector.evaluate(state, at, reach, evaluation)
            events.extend(self._events(mention.territory_id, state, decisions, mention.mention_id))
        return state, events

    def advance(
        self, territory_id: str, watermark: datetime, state: TerritoryState | None
    ) -> tuple[TerritoryState, list[AlertEvent]]:
        """Event time has reached ``watermark`` with no mention of this territory: close buckets and resolve
        the open incident if its quiet hold has passed."""
        detector = self.detector(territory_id)
        if state is None:
            return self.new_state(territory_id), []
        decisions = detector.advance(state, math.floor(watermark.timestamp()))
        return state, self._events(territory_id, state, decisions, None)

    def resolution_due(self, state: TerritoryState | None) -> int | None:
        """Event time (epoch seconds) at which the open incident of ``state`` resolves if nothing happens."""
        if state is None:
            return None
        incident = state["inc"]
        if incident is None:
            return None
        return incident["active"] + self.settings.hold_quiet_seconds

    def _events(
        self, territory_id: str, state: TerritoryState, decisions: list[Decision], trigger: str | None
    ) -> list[AlertEvent]:
        if not decisions:
            return []
        territory = self.territory(territory_id)
        detector = self.detector(territory_id)
        events = []
        for decision in decisions:
            evaluation = decision.evaluation
            events.append(
                AlertEvent(
                    event_id=f"{decision.incident_id}:{decision.sequence}",
                    incident_id=decision.incident_id,
                    sequence=decision.sequence,
                    transition=decision.transition,
                    severity=decision.severity,
                    territory_id=territory.id,
                    territory_name=territory.name,
                    opened_at=datetime.fromtimestamp(decision.opened_at, UTC),
                    event_time=datetime.fromtimestamp(decision.event_time, UTC),
                    resolved_at=datetime.fromtimestamp(decision.event_time, UTC) if decision.resolved else None,
                    trigger_mention_id=None if decision.resolved else trigger,
                    significance=Significance(
                        observed=evaluation.observed,
                        expected=evaluation.expected,
                        ratio=round(evaluation.ratio, 4),
                        score=evaluation.score,
                        negative_share=min(max(evaluation.share, 0.0), 1.0),
                        baseline_share=evaluation.baseline_share,
                    ),
                    peak_severity=decision.peak_severity,
                    evidence=evidence.build(state, detector),
                    labels=dict(territory.labels),
                )
            )
            if decision.resolved:
                evidence.forget_incident(state)
        return events
