"""The surge detector of one count series, shared by the mention mode and the volume mode.

Event time only: the series has a clock (the largest event time it has seen or been advanced to). A bucket is
*closed* once the clock passes its end plus the allowed lateness; only closed buckets teach the baseline, and
records older than ``clock - allowed_lateness`` are late (the caller counts and ignores them).

Evaluation happens at the clock, against the expectation for the *elapsed* part of the current bucket plus
whole trailing buckets, in each test window (``window_buckets``: a short one for sudden surges, longer ones
for build-ups); the most significant window decides. This is what makes the alert fire on the record that
makes the surge significant rather than at the end of a bucket. In mention mode the expectation is share-aware:
never below the negatives the window's other mentions imply at the baseline share (see :func:`volume_swing`). Windows may need different significance to
raise (``window_raise_scores``: a long window's sums average bursts out, so its tail is closer to the count
model's); with no incident open, the window furthest above its own threshold decides.

Lifecycle of the one incident a series may have open at a time:
``raised`` (significant, above the minimum volume, share test passed if it gates) -> ``escalated`` (severity up) or
``updated`` (rate-limited, material growth of the negatives) -> ``resolved`` once no evaluation reached the
sustain score for ``hold_quiet_seconds`` (event time of the resolution: last active time + hold). Flap damping:
shortly after a resolution, raising again needs more significance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from vigie.classifier.detection import baseline, ring
from vigie.classifier.detection.local_time import LocalCalendar
from vigie.classifier.detection.negbin import negative_binomial_score, share_score
from vigie.classifier.detection.settings import DetectorSettings
from vigie.classifier.detection.state import STATE_VERSION, Incident, SurgeState
from vigie.schemas import SEVERITY_RANK, Severity, Transition

#: Longest quiet gap (in days) whose empty buckets still teach the baseline one by one (older ones are skipped).
_MAX_GAP_DAYS_LEARNT = 7
#: Share of a long window's excess (observed / expected - 1) that its last ``ongoing_buckets`` must still run at.
_ONGOING_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The figures of the deciding window at one evaluation."""

    observed: float
    expected: float
    score: float
    weighted: float
    total: float
    share: float
    baseline_share: float
    share_score: float
    #: Significance this window needs to raise, and its width in buckets (not stored: an incident keeps the
    #: figures above only).
    threshold: float = 0.0
    width: int = 0

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else 0.0

    def to_list(self) -> list[float]:
        return [
            round(self.observed, 3),
            round(self.expected, 4),
            round(self.score, 3),
            round(self.weighted, 3),
            self.total,
            round(self.share, 4),
            round(self.baseline_share, 4),
            round(self.share_score, 3),
        ]

    @classmethod
    def from_list(cls, values: list[float]) -> Evaluation:
        observed, expected, score, weighted, total, share, baseline_share, share_score = values
        return cls(observed, expected, score, weighted, total, share, baseline_share, share_score)


@dataclass(frozen=True, slots=True)
class Decision:
    """One lifecycle step decided by the detector (the caller turns it into an AlertEvent)."""

    transition: Transition
    incident_id: str
    sequence: int
    severity: Severity
    peak_severity: Severity
    opened_at: float
    event_time: float
    resolved: bool
    evaluation: Evaluation


def volume_swing(others: float, expected_negative: float, share0: float) -> float:
    """How far a window's volume ran above the baseline, as its ``others`` (non-negative) mentions measure it:
    ``max(1, odds0 x others / expected_negative)`` with ``odds0 = share0 / (1 - share0)``, i.e. the count test
    expects at least the negatives those others imply at the baseline share (1 when nothing was expected)."""
    if expected_negative <= 0.0:
        return 1.0
    return max(1.0, share0 / (1.0 - share0) * others / expected_negative)


def conditional_count(
    others: float, expected_negative: float, share0: float, dispersion: float, rho: float = 0.0
) -> tuple[float, float]:
    """The mean and dispersion of a window's negative count given its ``others`` (non-negative) mentions, when
    both are Poisson at rates ``s x`` their baseline and the volume swing ``s`` is gamma with mean 1 and variance
    ``dispersion`` (the count model's): ``s``'s posterior mean is ``(a + others) / (a + expected others)`` with
    ``a = 1 / dispersion`` and expected others ``expected_negative x (1 - share0) / share0``, and the negatives
    given the others are negative binomial of that mean and of dispersion ``1 / (a + others)``, plus what the
    share's own correlation ``rho`` adds (a quasi-binomial's extra variance ``rho n^2 p (1 - p)`` is a dispersion
    ``rho (1 - p) / p``). An ordinary busy hour or a buzz raises the expectation as far as its others say; the
    swing the others explain no longer counts as unexplained dispersion."""
    size = 1.0 / max(dispersion, 1e-4)
    expected_others = expected_negative * (1.0 - share0) / share0
    swing = (size + others) / (size + expected_others)
    return expected_negative * swing, 1.0 / (size + others) + rho * (1.0 - share0) / share0


def _value(reach: int | Callable[[], int]) -> int:
    return reach() if callable(reach) else reach


def incident_id(key: str, opened_at: float) -> str:
    return f"{key}:negative_surge:{datetime.fromtimestamp(opened_at, UTC):%Y%m%dT%H%MZ}"


class SurgeDetector:
    """Stateless logic over a JSON-serialisable state dict (:class:`~vigie.classifier.detection.state.SurgeState`,
    mutated in place and returned by callers)."""

    def __init__(
        self,
        key: str,
        settings: DetectorSettings,
        calendar: LocalCalendar,
        prior_per_bucket: float,
        *,
        share_test: bool,
        min_level: float,
    ) -> None:
        self.key = key
        self.settings = settings
        self.calendar = calendar
        self.prior_per_bucket = prior_per_bucket
        self.share_test = share_test
        self.min_level = min_level
        self._reestimated = settings.reestimated_windows
        self._peaked = settings.unprecedented_windows
        self._cusum = settings.cusum_ratio > 1.0
        self._conditioned = share_test and settings.share_conditioned_counts
        self._posterior = self._conditioned and settings.swing_posterior
        self._log_ratio = math.log(settings.cusum_ratio) if self._cusum else 0.0
        self._looks = settings.look_score_per_decade != 0.0

    def look_offset(self, state: SurgeState) -> float:
        """How far this series' raise thresholds move for how often it looks (``look_score_per_decade``): the
        baseline's negatives per hour against ``look_reference_per_hour``, in decades."""
        if not self._looks:
            return 0.0
        settings = self.settings
        rate = max(state["base"]["level"] * settings.buckets_per_hour, settings.look_floor_per_hour)
        return settings.look_score_per_decade * math.log10(rate / settings.look_reference_per_hour)

    def _cusum_cap(self, state: SurgeState) -> float:
        """The CUSUM is held at its raise threshold (in nats): past it, more evidence says nothing new, and a
        statistic left to climb through a long crisis would take hours to drain after it ended, holding the
        incident open on its memory alone."""
        return max(self.settings.cusum_raise_score + self.look_offset(state), 0.0) * math.log(10.0)

    @property
    def recent_buckets(self) -> int:
        """Buckets kept as counts: the longest test window, the allowed lateness and the bucket closing."""
        lateness = -(-self.settings.allowed_lateness_seconds // self.settings.bucket_seconds)
        return self.settings.longest_window + lateness + 2

    # -- state and clock -------------------------------------------------------------------------------------

    def new_state(self) -> SurgeState:
        state: SurgeState = {
            "v": STATE_VERSION,
            "clock": None,
            "closed": None,
            "base": baseline.new_baseline(
                self.prior_per_bucket, len(self.settings.window_buckets), first_week=bool(self._reestimated)
            ),
            "ring": ring.new_ring(self.recent_buckets, max(self.settings.buckets_per_day - self.recent_buckets, 0), 0),
            "inc": None,
            "resolved": None,
        }
        if self._peaked:
            state["peaks"] = None
        if self._cusum:
            state["cu"] = 0.0
        return state

    def is_late(self, state: SurgeState, event_time: int) -> bool:
        clock = state["clock"]
        return clock is not None and event_time < clock - self.settings.allowed_lateness_seconds

    def advance(self, state: SurgeState, event_time: int, missing: range = range(0)) -> list[Decision]:
        """Move the clock forward to ``event_time``: close and learn buckets, resolve a quiet incident.

        ``missing``: buckets with no data at all (volume mode: a series' row that never came), neither learnt
        from nor expected in the test windows; a bucket merely without records is an observed zero."""
        seconds = self.settings.bucket_seconds
        clock = state["clock"]
        if clock is None:
            current = event_time // seconds
            state["clock"] = event_time
            state["closed"] = current - 1
            ring.roll_to(state["ring"], current, self._expectation(state), first=current - self.settings.longest_window)
            return []
        if event_time <= clock:
            return []
        decisions: list[Decision] = []
        incident = state["inc"]
        if incident is not None and event_time >= incident["active"] + self.settings.hold_quiet_seconds:
            resolved_at = incident["active"] + self.settings.hold_quiet_seconds
            self._close_until(state, resolved_at, missing)
            decisions.append(self._resolve(state, incident, resolved_at))
        self._close_until(state, event_time, missing)
        if event_time // seconds > state["ring"]["head"]:  # else roll_to has nothing to do (no closure built)
            ring.roll_to(state["ring"], event_time // seconds, self._expectation(state))
            if missing:
                ring.forget_expectations(state["ring"], missing)
        state["clock"] = event_time
        return decisions

    def _close_until(self, state: SurgeState, clock: int, missing: range = range(0)) -> None:
        settings = self.settings
        seconds = settings.bucket_seconds
        last_closed = (clock - settings.allowed_lateness_seconds) // seconds - 1
        closed = state["closed"]
        assert closed is not None  # set with the clock
        first = max(closed + 1, last_closed - _MAX_GAP_DAYS_LEARNT * settings.buckets_per_day + 1)
        if last_closed < first:
            return
        base = state["base"]
        recent = state["ring"]
        incident = state["inc"]
        frozen_until = None if incident is None else incident["opened"] + settings.relearn_after_seconds
        reestimated = self._reestimated
        peaks = bool(self._peaked)
        cusum = self._cusum
        cap = self._cusum_cap(state) if cusum else 0.0
        for bucket in range(first, last_closed + 1):
            start = bucket * seconds
            if peaks and bucket <= recent["head"]:
                self._record_peaks(state, bucket)
            if cusum:
                value = state.get("cu", 0.0) + self._cusum_step(state, bucket, 1.0)
                state["cu"] = round(min(max(0.0, value), cap), 4)
            if bucket in missing or (frozen_until is not None and start < frozen_until):
                if reestimated:
                    baseline.record_first_week(base, start, None, settings)
                continue
            negative, total, weighted = ring.counts(recent, bucket)
            if base["n"] >= settings.longest_window and bucket <= recent["head"]:
                self._learn_window_dispersions(state, bucket)
            baseline.learn(base, self.calendar, start, negative, total, weighted, settings, self.min_level)
            if (
                reestimated
                and baseline.record_first_week(base, start, negative, settings)
                and base["n"] >= 7 * settings.buckets_per_day
            ):
                baseline.reestimate_window_dispersions(base, self.calendar, reestimated, settings)
        state["closed"] = last_closed

    def _expectation(self, state: SurgeState) -> Callable[[int], float]:
        base = state["base"]
        calendar = self.calendar
        seconds = self.settings.bucket_seconds
        return lambda bucket: baseline.expected(base, calendar, bucket * seconds)

    def _learn_window_dispersions(self, state: SurgeState, bucket: int) -> None:
        """Teach each test window's dispersion the window ending with closed ``bucket``: in mention mode with
        ``conditioned_dispersion``, around the expectation its count test uses (the baseline times the volume
        swing its other mentions measure), so that an ordinary busy hour, a buzz or a news story, which that
        expectation already explains, does not inflate the dispersion too."""
        recent = state["ring"]
        conditioned = self._conditioned and self.settings.conditioned_dispersion
        share0 = baseline.baseline_share(state["base"], self.settings) if conditioned else 0.0
        for index, width in enumerate(self.widths):
            observed, total, _ = ring.window(recent, bucket, width)
            mean = ring.expected_window(recent, bucket, width)
            if conditioned:
                mean *= volume_swing(total - observed, mean, share0)
            baseline.learn_window_dispersion(state["base"], index, observed, mean, self.settings)
        if self.share_test:
            baseline.learn_share_rho(state["base"], observed, total, self.settings)

    def _cusum_step(self, state: SurgeState, bucket: int, elapsed: float) -> float:
        """Quasi-log-likelihood ratio (nats) of ``bucket``'s count under a rate ``cusum_ratio`` times the baseline
        against the baseline (its ``elapsed`` fraction only): ``(x ln k - (k - 1) mu) / (1 + phi mu)``, the
        Poisson ratio scaled down by the count model's variance inflation (with the cold-start floor). Its drift
        is negative below ``(k - 1) / ln k`` times the baseline (x2.16 for k = 4), so an ordinary misfit of the
        seasonal shape does not accumulate."""
        recent = state["ring"]
        negative = ring.counts(recent, bucket)[0]
        mean = self.expected_in(state, bucket) * elapsed
        base = state["base"]
        if self._conditioned:
            mean *= self._hour_swing(state, bucket, elapsed)
        phi = max(baseline.dispersion(base, self.settings), baseline.level_uncertainty(base, self.settings))
        ratio = self.settings.cusum_ratio
        return (negative * self._log_ratio - (ratio - 1.0) * mean) / (1.0 + phi * mean)

    def _hour_swing(self, state: SurgeState, bucket: int, elapsed: float) -> float:
        """The volume swing of the longest test window ending with ``bucket`` (its ``elapsed`` fraction), as its
        non-negative mentions measure it: see :func:`volume_swing`."""
        recent = state["ring"]
        width = self.settings.longest_window
        negative, total, _ = ring.window(recent, bucket, width)
        expected = ring.expected_window(recent, bucket, width) - self.expected_in(state, bucket) * (1.0 - elapsed)
        return volume_swing(total - negative, expected, baseline.baseline_share(state["base"], self.settings))

    def cusum(self, state: SurgeState) -> float:
        """The CUSUM at the clock, in nats: the closed buckets' value carried over the open ones."""
        seconds = self.settings.bucket_seconds
        clock, closed = state["clock"], state["closed"]
        assert clock is not None and closed is not None  # the series was advanced
        current = clock // seconds
        value = state.get("cu", 0.0)
        cap = self._cusum_cap(state)
        for bucket in range(closed + 1, current + 1):
            elapsed = 1.0 if bucket < current else min(1.0, (clock - current * seconds + 1) / seconds)
            value = max(0.0, value + self._cusum_step(state, bucket, elapsed))
            if bucket < current:
                value = min(value, cap)
        return value

    def _record_peaks(self, state: SurgeState, bucket: int) -> None:
        """Fold the sums of the windows that must be unprecedented ending at closed ``bucket`` into today's maxima
        (one per window and day, the last ``unprecedented_days`` days kept besides today; whatever the bucket held,
        incident or not)."""
        keep = self.settings.unprecedented_days + 1
        day = bucket * self.settings.bucket_seconds // 86400
        peaks = state["peaks"]
        if peaks is None:
            peaks = state["peaks"] = [day, [[0] for _ in self._peaked]]
        elif day > peaks[0]:
            new_days = min(day - peaks[0], keep)
            for maxima in peaks[1]:
                maxima.extend([0] * new_days)
                del maxima[:-keep]
            peaks[0] = day
        recent = state["ring"]
        for maxima, index in zip(peaks[1], self._peaked, strict=True):
            observed = ring.window(recent, bucket, self.widths[index])[0]
            if observed > maxima[-1]:
                maxima[-1] = observed

    def unprecedented(self, state: SurgeState, evaluation: Evaluation) -> bool:
        """Whether the deciding window's sum exceeds every sum that window reached over the last
        ``unprecedented_days`` days (always true for windows not checked, or when nothing is known yet)."""
        peaks = state.get("peaks")
        if peaks is None:
            return True
        index = self.widths.index(evaluation.width)
        if index not in self._peaked:
            return True
        past: float = max(peaks[1][self._peaked.index(index)])
        return evaluation.observed > past

    @property
    def widths(self) -> tuple[int, ...]:
        """Widths in buckets of the test windows."""
        return self.settings.window_buckets

    def add(
        self, state: SurgeState, event_time: int, negative: int | float, total: int | float, weighted: float
    ) -> None:
        """Count a record (not late: the caller checked) into its bucket."""
        ring.add(state["ring"], event_time // self.settings.bucket_seconds, negative, total, weighted)
        incident = state["inc"]
        if incident is not None and negative:
            incident["neg"] += negative

    # -- evaluation and lifecycle ----------------------------------------------------------------------------

    def expected_in(self, state: SurgeState, bucket: int) -> float:
        """What the baseline expected in ``bucket`` (as of the bucket's start, for buckets of the last day)."""
        recent = state["ring"]
        if ring.holds(recent, bucket):
            return ring.expected_in(recent, bucket)
        return baseline.expected(state["base"], self.calendar, bucket * self.settings.bucket_seconds)

    def evaluation(self, state: SurgeState) -> Evaluation | None:
        """The most significant of the test windows ending at the clock (None below min volume
        when no incident is open)."""
        settings = self.settings
        seconds = settings.bucket_seconds
        clock = state["clock"]
        assert clock is not None  # the series was advanced
        recent = state["ring"]
        current = clock // seconds
        sums = ring.windows(recent, current, self.widths)  # the longest window last
        if state["inc"] is None and sums[-1][0] < settings.min_negative:
            return None
        base = state["base"]
        elapsed = min(1.0, (clock - current * seconds + 1) / seconds)
        unelapsed = ring.expected_in(recent, current) * (1.0 - elapsed)
        weight = baseline.mean_reach_weight(base)
        share0 = baseline.baseline_share(base, settings)
        uncertainty = baseline.level_uncertainty(base, settings)
        rho = baseline.share_rho(base, settings)
        offset = self.look_offset(state)
        # The deciding window's figures are kept as plain values and made an Evaluation once (a frozen dataclass
        # per window, then a copy with the share, cost more than the comparisons).
        best_index = -1
        best_score = best_threshold = best_negative = best_total = best_weighted = best_mean = 0.0
        incident_closed = state["inc"] is None
        for index, width in enumerate(self.widths):
            phi = max(baseline.window_dispersion(base, index, settings), uncertainty)
            negative, total, weighted, expected = sums[index]
            mean = max(expected - unelapsed, 1e-9)
            if self._posterior:
                mean, phi = conditional_count(total - negative, mean, share0, phi, rho)
                phi = max(phi, settings.min_dispersion)
            elif self._conditioned:
                mean *= volume_swing(total - negative, mean, share0)
            score = negative_binomial_score(negative, mean, phi)
            if weighted > negative:
                # The largest single post counts as an ordinary one: one account never makes a surge alone.
                weighted -= max(ring.top_weight(recent, current, width) - 1.0, 0.0)
                score = max(score, negative_binomial_score(weighted, mean * weight, phi))
            threshold = settings.raise_score_of(index) + offset
            # With no incident open, the window furthest above its own raise threshold decides; while one is
            # open, the most significant window (any window at the sustain score keeps it active).
            if best_index < 0 or (
                score - threshold > best_score - best_threshold
                if incident_closed and threshold != best_threshold
                else score > best_score
            ):
                best_index = index
                best_score, best_threshold = score, threshold
                best_negative, best_total, best_weighted, best_mean = negative, total, weighted, mean
        best_width = self.widths[best_index] if best_index >= 0 else 0
        if self._cusum and base["n"] >= settings.cold_days * settings.buckets_per_day:
            # The CUSUM reports the longest window's figures with its own significance; not while the seasonal
            # shapes are still being learnt (a ratio summed over hours accumulates every misfit of the shape).
            score = self.cusum(state) / math.log(10.0)
            threshold = settings.cusum_raise_score + offset
            if best_index < 0 or (
                score - threshold > best_score - best_threshold
                if incident_closed and threshold != best_threshold
                else score > best_score
            ):
                negative, total, weighted, expected = sums[-1]
                mean = max(expected - unelapsed, 1e-9)
                if self._conditioned:
                    mean *= volume_swing(total - negative, mean, share0)
                best_index = len(self.widths) - 1
                best_score, best_threshold, best_width = min(score, 100.0), threshold, self.widths[-1]
                best_negative, best_total, best_weighted, best_mean = negative, total, weighted, mean
        if best_index < 0:
            return None
        # The share and its test only for the deciding window (the share test is an incomplete beta too).
        s_share = share_score(best_negative, best_total, share0, rho) if self.share_test else 0.0
        return Evaluation(
            best_negative,
            best_mean,
            best_score,
            best_weighted,
            best_total,
            best_negative / best_total if best_total else 0.0,
            share0,
            s_share,
            best_threshold,
            best_width,
        )

    def severity(self, evaluation: Evaluation, max_reach: int) -> Severity:
        """Critical and major need their significance and ratio, and a volume of distinct negative mentions
        (4 and 2 times the minimum volume): a few posts at night are never critical, whatever their ratio."""
        settings = self.settings
        volume = evaluation.observed / max(settings.min_negative, 1e-9)
        if (
            evaluation.score >= settings.critical_score
            and evaluation.ratio >= settings.critical_ratio
            and volume >= 4.0
        ):
            return "critical"
        if (
            evaluation.score >= settings.major_score and evaluation.ratio >= settings.major_ratio and volume >= 2.0
        ) or (max_reach >= settings.major_reach_followers):
            return "major"
        return "warning"

    def evaluate(
        self,
        state: SurgeState,
        event_time: float,
        max_reach: int | Callable[[], int] = 0,
        evaluation: Evaluation | None = None,
    ) -> list[Decision]:
        """Evaluate at the clock after a record was added; ``event_time`` is the record's exact time.
        ``evaluation`` may be passed when the caller already computed it for this clock. ``max_reach`` (the
        largest recent reach, for the severity) may be given as a function: it is then called only when a
        severity is decided (most evaluations decide nothing)."""
        settings = self.settings
        if state["base"]["n"] < settings.warmup_buckets:
            return []
        if evaluation is None:
            evaluation = self.evaluation(state)
        if evaluation is None:
            return []
        incident = state["inc"]
        clock = state["clock"]
        assert clock is not None  # the series was advanced
        if incident is None:
            threshold = evaluation.threshold
            resolved = state["resolved"]
            if resolved is not None and clock - resolved < settings.flap_window_seconds:
                threshold += settings.flap_extra_score
            if (
                evaluation.score >= threshold
                and evaluation.observed >= settings.min_negative
                and (not self.share_test or evaluation.share_score >= settings.min_share_score)
                and self.ongoing(state, evaluation)
                and self.unprecedented(state, evaluation)
            ):
                return [self._raise(state, clock, event_time, evaluation, _value(max_reach))]
            return []
        # Stragglers (fewer distinct negative mentions than the minimum volume) neither keep an incident active
        # nor update or escalate it.
        if evaluation.score < settings.sustain_score or evaluation.observed < settings.min_negative:
            return []
        incident["active"] = max(incident["active"], clock)
        incident["sig"] = evaluation.to_list()
        severity = self.severity(evaluation, _value(max_reach))
        if SEVERITY_RANK[severity] > SEVERITY_RANK[incident["sev"]]:
            incident["sev"] = severity
            # Within the grace the surge that raised the incident is still arriving: its severity settles
            # silently (later events carry it).
            if clock - incident["opened"] >= settings.escalation_grace_seconds:
                return [self._step(incident, "escalated", event_time, evaluation)]
        grown = incident["neg"] - incident["lneg"]
        if event_time - incident["last"] >= settings.update_min_interval_seconds and grown >= max(
            settings.min_negative, settings.material_growth * incident["lneg"]
        ):
            return [self._step(incident, "updated", event_time, evaluation)]
        return []

    def ongoing(self, state: SurgeState, evaluation: Evaluation) -> bool:
        """Whether a window longer than ``ongoing_buckets`` raises on a surge still under way: the last
        ``ongoing_buckets`` buckets must run at least half as far above the baseline as the whole window (always
        true when ``ongoing_buckets`` is 0 or the deciding window is not longer)."""
        width = self.settings.ongoing_buckets
        if width == 0 or evaluation.width <= width:
            return True
        seconds = self.settings.bucket_seconds
        clock = state["clock"]
        assert clock is not None  # the series was advanced
        recent = state["ring"]
        current = clock // seconds
        elapsed = min(1.0, (clock - current * seconds + 1) / seconds)
        expected = ring.expected_window(recent, current, width) - ring.expected_in(recent, current) * (1.0 - elapsed)
        return ring.window(recent, current, width)[0] >= expected * (1.0 + _ONGOING_SHARE * (evaluation.ratio - 1.0))

    def _raise(
        self, state: SurgeState, clock: int, event_time: float, evaluation: Evaluation, max_reach: int
    ) -> Decision:
        severity = self.severity(evaluation, max_reach)
        incident: Incident = {
            "id": incident_id(self.key, event_time),
            "opened": event_time,
            "seq": -1,
            "sev": severity,
            "active": clock,
            "last": event_time,
            "lneg": 0,
            "neg": evaluation.observed,
            "sig": evaluation.to_list(),
        }
        state["inc"] = incident
        if self._cusum:
            state["cu"] = 0.0
        return self._step(incident, "raised", event_time, evaluation)

    def _step(self, incident: Incident, transition: Transition, at: float, evaluation: Evaluation) -> Decision:
        incident["seq"] += 1
        incident["last"] = at
        incident["lneg"] = incident["neg"]
        return Decision(
            transition=transition,
            incident_id=incident["id"],
            sequence=incident["seq"],
            severity=incident["sev"],
            peak_severity=incident["sev"],
            opened_at=incident["opened"],
            event_time=at,
            resolved=False,
            evaluation=evaluation,
        )

    def _resolve(self, state: SurgeState, incident: Incident, resolved_at: int) -> Decision:
        decision = self._step(incident, "resolved", float(resolved_at), Evaluation.from_list(incident["sig"]))
        state["inc"] = None
        state["resolved"] = resolved_at
        if self._cusum:
            state["cu"] = 0.0
        return Decision(
            transition="resolved",
            incident_id=decision.incident_id,
            sequence=decision.sequence,
            severity=decision.severity,
            peak_severity=decision.peak_severity,
            opened_at=decision.opened_at,
            event_time=decision.event_time,
            resolved=True,
            evaluation=decision.evaluation,
        )
