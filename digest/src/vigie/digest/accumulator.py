"""The digest accumulator: mentions and alerts in, digest events out when event time passes a period's end.

Event-time discipline: a mention belongs to the period that contains its ``published_at`` in its
territory's time zone. The caller advances the watermark (the event time up to which it has seen
everything, e.g. the largest ``published_at`` of its partition) with :meth:`DigestAccumulator.close_periods`;
every period that ends at least ``grace`` before the watermark is closed, oldest first, and its digest
returned. A mention whose period has already closed is *late*: it is not counted (the caller counts it in
``vigie_classifier_late_mentions_total``). So a replay, at any speed, of the same mentions with the same
watermark progression produces the same digests, and an offline run (``vigie digest``), which closes every
period only at the end of its input, produces them whatever the order of the file.

A week is built from its days when the accumulator keeps both kinds (the default): each mention is counted in
its day only, and a day, when it closes, is added to its week (:meth:`PeriodAggregate.absorb`); a mention that
comes after its day closed but while its week is open is counted in the week directly. The week's counts,
shares, timeline, themes, author figures and top posts are those of counting every mention in it; only its
bounded story table can differ (see the package's README, "How a week is built"). Without days, or for a
week restored from a state of version 2 or older (its mentions so far counted in it), a week is fed every
mention, as a day.

Digests are emitted for the periods in which a territory had at least one mention. The state
(:meth:`to_state`) is plain JSON (lists, dicts, strings, numbers), so the service can keep it in a changelog
table and restore it after a restart.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from vigie.digest.aggregate import MentionFacts, PeriodAggregate, PeriodSummary, mention_fingerprint
from vigie.digest.build import build_digest
from vigie.digest.identity import author_identity
from vigie.digest.incidents import RETENTION, IncidentLedger
from vigie.digest.options import DigestOptions
from vigie.digest.periods import Period, in_range, period_containing, period_starting
from vigie.digest.stories import StoryTable
from vigie.digest.themes import TermBaseline, ThemeExtractor
from vigie.schemas import AlertEvent, DigestEvent, DigestPeriod, ScoredMention, Territory

#: ``out_of_range``: an instant without periods (see :mod:`vigie.digest.periods`): counted nowhere.
Observation = Literal["counted", "duplicate", "late", "out_of_range"]
#: 3: an aggregate says whether it is a week built from its days (``fed_by_days``); 2: timelines flat, top posts
#: as lists, author tallies as columns (version 1: objects per bucket, post and author, twice the JSON). Each
#: territory's state says its version (a checkpoint rewrites only the territories it changed: older entries stay
#: next to newer ones until their territory is written); every version here is read.
STATE_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)


@dataclass
class TerritoryDigestState:
    """Open periods, the last closed period's summary and the theme baseline, per period kind."""

    aggregates: dict[str, PeriodAggregate] = field(default_factory=dict)
    last_summary: dict[str, PeriodSummary] = field(default_factory=dict)
    baselines: dict[str, TermBaseline] = field(default_factory=dict)

    def to_state(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "aggregates": {key: aggregate.to_state() for key, aggregate in self.aggregates.items()},
            "last_summary": {kind: summary.to_state() for kind, summary in self.last_summary.items()},
            "baselines": {kind: baseline.to_state() for kind, baseline in self.baselines.items()},
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> TerritoryDigestState:
        version = state.get("version", 1)
        if version not in READABLE_VERSIONS:
            raise ValueError(f"unsupported digest state version {version!r}")
        return cls(
            aggregates={key: PeriodAggregate.from_state(item, version) for key, item in state["aggregates"].items()},
            last_summary={kind: PeriodSummary.from_state(item) for kind, item in state["last_summary"].items()},
            baselines={kind: TermBaseline.from_state(item) for kind, item in state["baselines"].items()},
        )


@dataclass(frozen=True, slots=True)
class _Span:
    """A period and what :meth:`DigestAccumulator.observe` asks of it for every mention, computed once."""

    period: Period
    key: str
    #: When the watermark closes it (its end plus the grace), as a POSIX timestamp (see below).
    closes_at: float
    #: The period's start and end, and its :meth:`~Period.bucket_starts` (where an instant bisects them is
    #: its :meth:`~Period.bucket_index`), as POSIX timestamps: one ``timestamp()`` per mention, then float
    #: comparisons (aware datetimes of different zones compare through two ``utcoffset`` calls). The same
    #: order: distinct microseconds of these years are distinct floats, and the conversion is monotonic.
    start: float
    end: float
    bucket_starts: tuple[float, ...]


class DigestAccumulator:
    """Builds the digests of many territories from a stream of scored mentions and alert events."""

    def __init__(
        self,
        territories: Iterable[Territory],
        options: DigestOptions | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> None:
        self.options = options or DigestOptions()
        self.territories: dict[str, Territory] = {territory.id: territory for territory in territories}
        self._extractors: dict[str, ThemeExtractor] = {}
        self._periods: dict[tuple[str, DigestPeriod], _Span] = {}
        #: The period kinds, longest first (a week, then a day: a stable sort by length, whatever the day).
        self._kinds = sorted(self.options.periods, key=lambda kind: kind != "week")
        #: Weeks are built from their days (see the module docstring) when both are kept.
        self._weeks_of_days = "week" in self._kinds and "day" in self._kinds
        self._watermark: datetime | None = None
        #: The watermark's ``timestamp()`` (-inf: none), compared with every mention's periods.
        self._watermark_at = -math.inf
        self.states: dict[str, TerritoryDigestState] = {}
        self.incidents = IncidentLedger()
        #: When the first open period closes (its end plus the grace) as a POSIX timestamp: +inf when none is
        #: open, -inf when unknown (after a restore): :meth:`close_periods` scans the open periods only when one
        #: may be due.
        self._next_close_at = math.inf
        #: Whether a week fed every mention may be open (restored from an older state; see the module docstring):
        #: until then a mention whose day is open is counted in its day without looking at its week.
        self._weeks_per_mention = False
        if state is not None:
            self._restore(state)

    @property
    def watermark(self) -> datetime | None:
        """The event time up to which the partition has been seen (None: nothing yet); see the module docstring."""
        return self._watermark

    @watermark.setter
    def watermark(self, watermark: datetime | None) -> None:
        self._watermark = watermark
        self._watermark_at = -math.inf if watermark is None else watermark.timestamp()

    @property
    def watermark_at(self) -> float:
        """The watermark's ``timestamp()`` (-inf: none)."""
        return self._watermark_at

    # -- intake ---------------------------------------------------------------------------------------------

    def observe(self, mention: ScoredMention) -> Observation:
        """Count a scored mention in each of its periods that is still open."""
        published_at = mention.published_at
        if not in_range(published_at):
            return "out_of_range"
        return self.count(mention, published_at.timestamp())

    def count(self, mention: ScoredMention, instant: float) -> Observation:
        """:meth:`observe` of a mention whose ``published_at`` is in range (:func:`~vigie.digest.periods.in_range`)
        and whose ``timestamp()`` is ``instant`` (a caller that has both already)."""
        published_at = mention.published_at
        territory = self._territory(mention.territory_id)
        watermark_at = self._watermark_at
        timezone = territory.timezone
        periods = self._periods
        if self._weeks_of_days and not self._weeks_per_mention:
            # A mention of an open day is counted there only; one late for its day, in its week.
            day = periods.get((timezone, "day"))
            if day is None or not day.start <= instant < day.end:
                day = self._span("day", published_at, timezone)
            if day.closes_at > watermark_at:
                open_spans = [day]
            else:
                week = periods.get((timezone, "week"))
                if week is None or not week.start <= instant < week.end:
                    week = self._span("week", published_at, timezone)
                if week.closes_at <= watermark_at:
                    return "late"
                open_spans = [week]
            state = self.states.get(territory.id)
            if state is None:
                state = self.states[territory.id] = TerritoryDigestState()
        else:
            # Longest period first (see below): the kinds are in that order.
            open_spans = []
            for kind in self._kinds:
                span = periods.get((timezone, kind))
                if span is None or not span.start <= instant < span.end:
                    span = self._span(kind, published_at, timezone)
                if span.closes_at > watermark_at:
                    open_spans.append(span)
            if not open_spans:
                return "late"
            state = self.states.get(territory.id)
            if state is None:
                state = self.states[territory.id] = TerritoryDigestState()
            if len(open_spans) == 2 and self._weeks_of_days:
                # Its day is open: the week takes the day when it closes, unless it is fed every mention.
                week_aggregate = state.aggregates.get(open_spans[0].key)
                if week_aggregate is None or week_aggregate.fed_by_days:
                    del open_spans[0]
        aggregates = state.aggregates
        options = self.options
        identity = author_identity(
            mention.author, mention.source, pseudonymise=options.pseudonymise, key=options.pseudonymise_key
        )
        keys = self._extractor(territory).keys(
            mention.text if not mention.title else f"{mention.title}\n{mention.text}"
        )
        facts = MentionFacts(mention, identity, keys, timestamp=instant, pseudonymise=options.pseudonymise)
        # Redeliveries are recognised by the longest period counting the mention only (a week fed every mention
        # contains its days, and closes with its last day; a week built from its days takes their ids with
        # them), so each mention id is remembered once.
        deduplicate = options.deduplicate
        fingerprint = mention_fingerprint(mention.mention_id) if deduplicate else None
        top_posts = options.top_posts
        for span in open_spans:
            aggregate = aggregates.get(span.key)
            if aggregate is None:
                aggregate = self._open(state, territory.id, span.period, span.closes_at, len(span.bucket_starts))
            counted = aggregate.observe(
                facts,
                bisect_right(span.bucket_starts, instant) - 1,
                top_posts=top_posts,
                min_confidence=options.top_post_min_confidence,
                fingerprint=fingerprint,
                deduplicate=deduplicate,
            )
            if not counted:
                return "duplicate"
            deduplicate = False
        return "counted"

    def observe_alert(self, alert: AlertEvent) -> bool:
        """Record an incident lifecycle event; False if it was already recorded."""
        return self.incidents.observe(alert)

    # -- output ---------------------------------------------------------------------------------------------

    def close_periods(self, watermark: datetime) -> list[DigestEvent]:
        """Advance the watermark (it never goes back) and return the digests of the periods it closes. A watermark
        without periods (see :func:`~vigie.digest.periods.in_range`) closes nothing."""
        if not in_range(watermark):
            return []
        return self.advance(watermark, watermark.timestamp())

    def advance(self, watermark: datetime, at: float) -> list[DigestEvent]:
        """:meth:`close_periods` of a watermark in range (:func:`~vigie.digest.periods.in_range`) whose
        ``timestamp()`` is ``at`` (a caller that has both already)."""
        if at > self._watermark_at:
            self._watermark, self._watermark_at = watermark, at
        current = self._watermark or watermark  # set: the watermark is at least ``at``
        if self._watermark_at < self._next_close_at:
            if self.incidents.resolved:
                self.incidents.prune(current - RETENTION)
            return []
        grace = self.options.grace
        due = []
        earliest_open: datetime | None = None
        weeks_per_mention = False
        for territory_id, state in self.states.items():
            for aggregate in state.aggregates.values():
                end = aggregate.period.end
                if end + grace <= current:
                    due.append((end, territory_id, aggregate.period.kind, aggregate.period.key))
                else:
                    if earliest_open is None or end < earliest_open:
                        earliest_open = end
                    weeks_per_mention |= aggregate.period.kind == "week" and not aggregate.fed_by_days
        self._weeks_per_mention = self._weeks_of_days and weeks_per_mention
        self._next_close_at = math.inf if earliest_open is None else (earliest_open + grace).timestamp()
        # Oldest first; a day's week, made when the day closes, is due with it when it ends no later (a week ends
        # with its last day: "day" sorts before "week").
        heapq.heapify(due)
        digests = []
        while due:
            _, territory_id, _, key = heapq.heappop(due)
            digest, week = self._close(territory_id, key)
            digests.append(digest)
            if week is not None and week.end + grace <= current:
                heapq.heappush(due, (week.end, territory_id, week.kind, week.key))
        self.incidents.prune(current - RETENTION)
        return digests

    def flush(self) -> list[DigestEvent]:
        """Close every open period (end of an offline input), oldest first."""
        ends = [
            self._week_of(a.period).end if self._weeks_of_days and a.period.kind == "day" else a.period.end
            for state in self.states.values()
            for a in state.aggregates.values()
        ]
        if not ends:
            return []
        return self.close_periods(max(ends) + self.options.grace)

    def _close(self, territory_id: str, key: str) -> tuple[DigestEvent, Period | None]:
        """The digest of a period that closes, and the week it made to take the day (None: none made)."""
        state = self.states[territory_id]
        aggregate = state.aggregates.pop(key)
        period = aggregate.period
        kind = period.kind
        baseline = state.baselines.setdefault(kind, TermBaseline())
        digest = build_digest(
            aggregate,
            territory=self.territories.get(territory_id),
            previous=self._previous(state, period),
            baseline=baseline,
            incidents=self.incidents.during(territory_id, period.start, period.end),
            options=self.options,
        )
        baseline.absorb(aggregate.themes, aggregate.total, self.options.baseline_decay, self.options.baseline_max_terms)
        state.last_summary[kind] = aggregate.summary()
        made = None
        if kind == "day" and self._weeks_of_days:
            week_period = self._week_of(period)
            week = state.aggregates.get(week_period.key)
            if week is None:
                closes_at = (week_period.end + self.options.grace).timestamp()
                week = self._open(state, territory_id, week_period, closes_at, 7)
                made = week_period
            if week.fed_by_days:
                week.absorb(aggregate, (period.day - week_period.day).days, top_posts=self.options.top_posts)
        return digest, made

    def _open(
        self, state: TerritoryDigestState, territory_id: str, period: Period, closes_at: float, buckets: int
    ) -> PeriodAggregate:
        """A new aggregate of the territory (a week built from its days when days are kept too) that closes at
        ``closes_at`` (its end plus the grace, a POSIX timestamp) and has ``buckets`` timeline buckets (see
        :meth:`Period.bucket_starts`)."""
        aggregate = state.aggregates[period.key] = PeriodAggregate(
            territory_id,
            period,
            timeline=[0] * (3 * buckets),
            fed_by_days=self._weeks_of_days and period.kind == "week",
        )
        if self._weeks_of_days and period.kind == "day":
            self._keep_evicted_stories(state, aggregate)
        if closes_at < self._next_close_at:
            self._next_close_at = closes_at
        return aggregate

    def _keep_evicted_stories(self, state: TerritoryDigestState, day: PeriodAggregate) -> None:
        """Let the week built from ``day`` take the clusters the day's story table evicts when the week has
        their story already (see :meth:`StoryTable._evict`)."""
        aggregates, week_key = state.aggregates, self._week_of(day.period).key

        def keeper() -> StoryTable | None:
            week = aggregates.get(week_key)
            return week.stories if week is not None and week.fed_by_days else None

        day.stories.keeper = keeper

    @staticmethod
    def _week_of(day: Period) -> Period:
        """The ISO week of a day period."""
        return period_starting("week", day.day - timedelta(days=day.day.weekday()), day.timezone)

    @staticmethod
    def _previous(state: TerritoryDigestState, period: Period) -> PeriodSummary | None:
        last = state.last_summary.get(period.kind)
        if last is None:
            return None
        previous_day = period.previous().day.isoformat()
        return last if last.day == previous_day else PeriodSummary.empty(previous_day)

    # -- helpers --------------------------------------------------------------------------------------------

    def _span(self, kind: DigestPeriod, instant: datetime, timezone: str) -> _Span:
        """:func:`period_containing` of ``instant``, remembered as the last period of its zone and kind (streams
        are mostly in order: :meth:`observe` looks there first)."""
        period = period_containing(kind, instant, timezone)
        span = self._periods[(timezone, kind)] = _Span(
            period,
            period.key,
            (period.end + self.options.grace).timestamp(),
            period.start.timestamp(),
            period.end.timestamp(),
            tuple(start.timestamp() for start in period.bucket_starts()),
        )
        return span

    def _territory(self, territory_id: str) -> Territory:
        territory = self.territories.get(territory_id)
        if territory is None:
            # Not in the configuration (yet): digest it in the default time zone rather than lose it.
            territory = self.territories[territory_id] = Territory(id=territory_id, name=territory_id)
        return territory

    def _extractor(self, territory: Territory) -> ThemeExtractor:
        extractor = self._extractors.get(territory.id)
        if extractor is None:
            extractor = self._extractors[territory.id] = ThemeExtractor.for_territory(territory)
        return extractor

    def open_periods(self) -> list[tuple[str, DigestPeriod, str]]:
        """(territory, kind, local start date) of every open period, sorted."""
        return sorted(
            (territory_id, aggregate.period.kind, aggregate.period.day.isoformat())
            for territory_id, state in self.states.items()
            for aggregate in state.aggregates.values()
        )

    # -- state ----------------------------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Plain-JSON state; restore with ``DigestAccumulator(territories, options, state=...)``."""
        return {
            "version": STATE_VERSION,
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "territories": {territory_id: state.to_state() for territory_id, state in self.states.items()},
            "incidents": self.incidents.to_state(),
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        if state.get("version") not in READABLE_VERSIONS:
            raise ValueError(f"unsupported digest state version {state.get('version')!r}")
        self.watermark = datetime.fromisoformat(state["watermark"]) if state["watermark"] else None
        self.states = {tid: TerritoryDigestState.from_state(item) for tid, item in state["territories"].items()}
        self._next_close_at = -math.inf
        if self._weeks_of_days:
            for territory in self.states.values():
                for aggregate in territory.aggregates.values():
                    if aggregate.period.kind == "day":
                        self._keep_evicted_stories(territory, aggregate)
        self._weeks_per_mention = self._weeks_of_days and any(
            aggregate.period.kind == "week" and not aggregate.fed_by_days
            for territory in self.states.values()
            for aggregate in territory.aggregates.values()
        )
        self.incidents = IncidentLedger.from_state(state["incidents"])
