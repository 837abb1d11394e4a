"""One driver for the mentions of one Kafka partition, shared by the classifier service and ``vigie backtest``
so that both produce exactly the same alert events for the same records.

Watermark semantics. ``vigie.mentions.scored.v1`` is keyed by territory id, so all mentions of a territory
arrive on one partition, in order. The driver processes a partition's records in offset order and keeps the
partition's *watermark*: the largest *detection time* seen on it. For each mention it

1. decides the mention's detection time (below), and skips a mention already counted (below);
2. calls :meth:`DetectionEngine.observe` for the mention's territory, then
3. calls :meth:`DetectionEngine.advance` with the watermark for every *other* territory of the partition
   whose open incident is due to resolve (its quiet hold ends at or before the watermark), in territory-id
   order, so that a territory that fell silent still gets its ``resolved`` event.

Detection time. A mention's event time is its ``published_at``, which comes from the post's source and may be
wrong or hostile; its ``collected_at`` is stamped by the collector (processing time). One record must not be
able to move event time: a mention published more than ``max_future_skew_s`` after it was collected is
*clamped*: detection counts it at its ``collected_at`` (its digest periods too: the caller uses
:attr:`Admission.mention`). So the watermark is never more than ``max_future_skew_s`` beyond the latest
``collected_at`` of the partition, and neither is any territory's clock. A mention published more than
``max_event_age_s`` before it was collected is *too old*: counted as late (``engine.late_mentions``) and
otherwise ignored, like any mention older than its territory's clock minus the allowed lateness.

Idempotency. A mention (its ``mention_id``) already counted for its territory is skipped (``duplicate``), see
:mod:`vigie.classifier.detection.seen_mentions`: producers deliver at least once, and a mention delivered twice
must not count twice. The seen ids are kept in the territory's state (under :data:`SEEN_FIELD`, checkpointed
with it: one table entry per territory).

The driver's own bookkeeping (watermark, resolution due times) lives in the same state mapping under
:meth:`PartitionDriver.bookkeeping_key` (not a valid territory id), so it is checkpointed with the territory
states (a faust Table in the service) and a restarted worker resumes exactly where it stopped.

``vigie backtest`` routes each record to its driver with :func:`vigie.runtime.partitioning.partition_for`,
Kafka's default partitioner (murmur2 of the key bytes) over the topic's partition count: the same split the
producers make.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from vigie.classifier.detection import seen_mentions
from vigie.classifier.detection.engine import DetectionEngine
from vigie.classifier.detection.state import PartitionBook, SeenMentions, TerritoryState
from vigie.schemas import AlertEvent, ScoredMention

#: What the driver did with a mention: counted at its event time, counted at its collection time (``clamped``:
#: published too far after its collection), skipped as ``duplicate`` or as ``too_old`` (late).
#: ``implausible``: a detection time outside :data:`EARLIEST_EVENT_TIME`..:data:`LATEST_EVENT_TIME` (not counted;
#: the service dead-letters it).
Verdict = Literal["counted", "clamped", "duplicate", "too_old", "implausible"]

#: Detection times outside these bounds are implausible whatever ``collected_at`` says (both are untrusted
#: bytes on the topic): such a mention is not counted (``implausible``), so that no date arithmetic downstream
#: (periods, ``fromtimestamp``) meets the ends of the calendar.
EARLIEST_EVENT_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_EVENT_TIME = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AdmissionSettings:
    """How the driver decides a mention's detection time and recognises duplicates (see the module docstring)."""

    #: A mention published more than this after its collection is counted at its collection time.
    max_future_skew_s: float = 300.0
    #: A mention published more than this before its collection is too old: late, not counted.
    max_event_age_s: float = 3650 * 86400.0
    #: At most this many mention ids are remembered per territory for idempotency.
    seen_capacity: int = 2048

    def __post_init__(self) -> None:
        if not (0 <= self.max_future_skew_s <= 10 * 366 * 86400 and 0 <= self.max_event_age_s <= 100 * 366 * 86400):
            raise ValueError("max_future_skew_s must be within 0..10 years, max_event_age_s within 0..100 years")
        if self.seen_capacity < 4:
            raise ValueError("seen_capacity must be at least 4")


@dataclass(frozen=True, slots=True)
class Admission:
    """What :meth:`PartitionDriver.apply` did with a mention."""

    verdict: Verdict
    #: The mention as detection counted it (``published_at`` clamped to ``collected_at`` for ``clamped``).
    mention: ScoredMention
    events: list[AlertEvent] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        """Whether detection counted it (downstream steps such as the digests count it too)."""
        return self.verdict in ("counted", "clamped")


#: Where a territory's state keeps its seen-mentions set (:mod:`~vigie.classifier.detection.seen_mentions`): in
#: the territory's own entry, one changelog record per territory and checkpoint. A set stored in an entry of its
#: own, under :func:`~vigie.classifier.detection.seen_mentions.seen_key` (a layout a changelog may still hold),
#: is read too, until the territory's state is written again with the set inside.
SEEN_FIELD: Final = "seen_ids"


def _seen_of(state: TerritoryState | None, states: MutableMapping[str, Any], territory_id: str) -> SeenMentions | None:
    """The territory's seen-mentions set (None: none yet), from its state or its own entry (see :data:`SEEN_FIELD`)."""
    if state is not None:
        seen = state.get(SEEN_FIELD)
        if seen is not None:
            return seen
    own: SeenMentions | None = states.get(seen_mentions.seen_key(territory_id))
    return own


def is_territory_key(key: str) -> bool:
    """Whether a key of the state mapping holds a territory's state: territory ids start with a lowercase letter or
    a digit, every other key (the driver's bookkeeping and re-score budget, an older layout's seen-mentions sets,
    the service's digest states) with ``_``."""
    return not key.startswith("_")


class PartitionDriver:
    """Runs the engine over one partition's mentions in order (see the module docstring for the semantics)."""

    def __init__(
        self,
        engine: DetectionEngine,
        partition: int,
        admission: AdmissionSettings | None = None,
    ) -> None:
        self.engine = engine
        self.partition = partition
        self.admission = admission = admission or AdmissionSettings()
        self._max_future_skew = timedelta(seconds=admission.max_future_skew_s)
        self._max_event_age = timedelta(seconds=admission.max_event_age_s)
        self.key = self.bookkeeping_key(partition)
        #: Key of the partition's decision-cascade budget (see :mod:`~vigie.classifier.detection.rescoring`).
        self.rescore_key = f"_rescore:{partition}"
        #: The bookkeeping's ``due`` dict and its earliest time, see :meth:`_earliest`.
        self._min: tuple[dict[str, int], float] | None = None

    @staticmethod
    def bookkeeping_key(partition: int) -> str:
        """Key of the driver's bookkeeping in the state mapping (never a territory id: those are slugs)."""
        return f"_partition:{partition}"

    def on_mention(self, mention: ScoredMention, states: MutableMapping[str, Any]) -> list[AlertEvent]:
        """:meth:`apply`'s alert events."""
        return self.apply(mention, states).events

    def apply(self, mention: ScoredMention, states: MutableMapping[str, Any]) -> Admission:
        """Process the next mention of the partition (see the module docstring); its alert events are in order.

        ``states`` maps territory ids to engine states (and holds the bookkeeping and the seen ids). Raises
        :class:`~vigie.classifier.detection.UnknownTerritoryError` (nothing changed) for an unknown territory.
        """
        territory_id = mention.territory_id
        self.engine.territory(territory_id)
        verdict: Verdict = "counted"
        published, collected = mention.published_at, mention.collected_at
        if published - collected > self._max_future_skew:
            mention = mention.model_copy(update={"published_at": collected})
            verdict = "clamped"
        elif collected - published > self._max_event_age:
            self.engine.late_mentions += 1
            return Admission("too_old", mention)
        if not EARLIEST_EVENT_TIME <= mention.published_at < LATEST_EVENT_TIME:
            return Admission("implausible", mention)
        second = math.floor(mention.published_at.timestamp())
        previous_state: TerritoryState | None = states.get(territory_id)
        seen = _seen_of(previous_state, states, territory_id)
        mark = seen_mentions.fingerprint(mention.mention_id)
        if seen_mentions.contains(seen, second, mark):
            return Admission("duplicate", mention)
        book: PartitionBook | None = states.get(self.key)
        previous = None if book is None else book["wm"]
        watermark = second if previous is None else max(previous, second)
        late_before = self.engine.late_mentions
        budget = None if self.engine.cascade is None else list(states.get(self.rescore_key) or (0, 0))
        state, events = self.engine.observe(mention, previous_state, budget)
        states[territory_id] = state
        if budget is not None and budget != states.get(self.rescore_key, [0, 0]):
            states[self.rescore_key] = budget
        if self.engine.late_mentions == late_before:
            if seen is None:
                seen = seen_mentions.new_seen()
            seen_mentions.add(
                seen,
                second,
                mark,
                lateness=self.engine.settings.allowed_lateness_seconds,
                capacity=self.admission.seen_capacity,
            )
            state[SEEN_FIELD] = seen
        elif seen is not None and state is not previous_state:
            state[SEEN_FIELD] = seen
        changed = book is None or watermark != previous
        if book is None:
            book = {"wm": watermark, "due": {}}
        book["wm"] = watermark
        due = book["due"]
        changed |= self._set_due(due, territory_id, state)
        # Most mentions find no other territory due: the earliest due time (kept up to date, not rescanned)
        # says so without looking at every open incident of the partition.
        if self._earliest(due) <= watermark:
            for other in sorted(t for t, at in due.items() if t != territory_id and at <= watermark):
                before: TerritoryState | None = states.get(other)
                other_state, other_events = self.engine.advance(other, datetime.fromtimestamp(watermark, UTC), before)
                if before is not None and other_state is not before and SEEN_FIELD in before:
                    other_state[SEEN_FIELD] = before[SEEN_FIELD]
                states[other] = other_state
                events.extend(other_events)
                changed |= self._set_due(due, other, other_state)
        if changed:
            states[self.key] = book
        return Admission(verdict, mention, events)

    def _set_due(self, due: dict[str, int], territory_id: str, state: TerritoryState) -> bool:
        """Record when ``territory_id``'s open incident is due to resolve (none: no entry); True if it changed."""
        at = self.engine.resolution_due(state)
        old = due.get(territory_id)
        if at == old:
            return False
        if at is None:
            del due[territory_id]
        else:
            due[territory_id] = at
        if self._min is not None and self._min[0] is due:
            earliest = self._min[1]
            if at is not None and at < earliest:
                self._min = (due, at)
            elif old is not None and old <= earliest:
                self._min = None  # the earliest entry moved later or left: found again when next asked
        return True

    def _earliest(self, due: dict[str, int]) -> float:
        """The earliest due time in ``due`` (inf: none), cached for this very dict (kept referenced, so that
        another dict cannot be mistaken for it)."""
        if self._min is None or self._min[0] is not due:
            self._min = (due, min(due.values(), default=math.inf))
        return self._min[1]
