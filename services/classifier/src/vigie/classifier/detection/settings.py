"""Detector settings: one frozen object, defaults sensible for production territories."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DetectorSettings:
    """How the detector buckets, learns, tests and runs the incident lifecycle.

    Times are event-time seconds. Scores are ``-log10`` tail probabilities under the baseline model.
    """

    #: Width of the event-time buckets of total, negative and reach-weighted negative counts.
    bucket_seconds: int = 300
    #: A record older than the territory's event-time clock by more than this is late: counted, then ignored.
    allowed_lateness_seconds: int = 600
    #: Test windows, in buckets ending with the current one (whose elapsed part only is expected): a short one
    #: for sudden surges, longer ones for surges that build up. The most significant window decides.
    window_buckets: tuple[int, ...] = (3, 12)
    #: Significance needed to raise, per test window (aligned with ``window_buckets``); empty: ``raise_score``
    #: for every window.
    window_raise_scores: tuple[float, ...] = ()
    #: A raise also needs the last this many buckets to hold more than the baseline expected in them (0: no such
    #: check, as in mention mode): a long window still sums a surge hours after it ended, and must not raise then.
    ongoing_buckets: int = 0
    #: A raise on a test window at most ``unprecedented_window_hours`` long also needs the window's sum to exceed
    #: the largest sum that window reached over the last this many days and today so far (0: no such check, as in
    #: mention mode): a burst no larger than one the series had in that time is a recurring burst of that
    #: series (a weekly show, a market open), not a crisis. The state keeps one maximum per such window and day.
    unprecedented_days: int = 0
    unprecedented_window_hours: float = 1.0
    #: Minimum absolute volume: reach-weighted negative mentions in the test window needed to raise.
    min_negative: float = 5.0
    #: Significance needed to raise an incident (-log10 p of the negative-binomial upper tail).
    raise_score: float = 4.5
    #: Significance of the negative share (vs the baseline share) also needed to raise, in mention mode (0: no
    #: such gate; the share enters the count tests instead, see ``share_conditioned_counts``).
    min_share_score: float = 0.0
    #: Mention mode: the count tests expect at least the negatives that the non-negative mentions observed in
    #: their window imply at the baseline share (``share0 / (1 - share0)`` per non-negative one), and the CUSUM
    #: scales each bucket's expectation by its hour's volume swing measured the same way: a surge of the whole
    #: volume (an ordinary busy hour, a buzz, a news story) is discounted in the significance itself rather than
    #: by a share gate, and a crisis is not held back by a small window's share.
    share_conditioned_counts: bool = True
    #: With ``share_conditioned_counts``: the count tests take the window's negatives given its non-negative
    #: mentions under a gamma-distributed volume swing of the count model's dispersion (its posterior mean and
    #: the negative binomial that remains, see :func:`surge.conditional_count`) rather than
    #: ``max(1, the others' swing)`` with the whole dispersion (which counts the swing twice).
    swing_posterior: bool = False
    #: With ``share_conditioned_counts``: each test window's dispersion is learnt around the expectation its count
    #: test uses (the baseline times the volume swing of the window's other mentions), not around the baseline.
    conditioned_dispersion: bool = False
    #: Mention mode's test windows (0: off): their dispersions are learnt from residuals clipped at this many
    #: standard deviations, each clipped square divided by the share of the model's variance the clip keeps
    #: (:func:`baseline.robust_moment_estimate`), so surges that raised nothing inflate them less.
    robust_dispersion_clip_sd: float = 0.0
    #: While an incident is open, an evaluation at or above this score keeps it active.
    sustain_score: float = 2.0
    #: An incident resolves after this long without an active evaluation (quiet hold).
    hold_quiet_seconds: int = 7200
    #: Rate limit of ``updated`` events of one incident.
    update_min_interval_seconds: int = 1800
    #: ``updated`` needs the incident's negative count to have grown by this fraction since the last event.
    material_growth: float = 0.5
    #: Flap damping: for this long after a resolution, raising needs ``flap_extra_score`` more significance.
    flap_window_seconds: int = 21600
    flap_extra_score: float = 2.0
    #: An incident lasting longer than this teaches the baseline again (a lasting shift becomes the new normal).
    relearn_after_seconds: int = 86400
    #: Time constants (in buckets) of the robust baseline: level, hour-of-day shape, hour-of-week shape.
    level_time_constant_buckets: float = 864.0
    hour_of_day_time_constant_buckets: float = 2016.0
    hour_of_week_time_constant_buckets: float = 8064.0
    #: Winsorisation of the observations that teach the baseline, in standard deviations of the count model.
    robust_clip_sd: float = 2.0
    #: Residuals teaching the dispersion are clipped here (in standard deviations), so bursts do not inflate it.
    dispersion_clip_sd: float = 2.5
    #: Test windows at least this many hours long have their dispersion estimated again once the baseline has
    #: learnt a week (0: never, as in mention mode). Learnt online during that first week, it holds the model's
    #: ignorance of the weekly rhythm (weekends at half the weekday level look like noise, and so does the level
    #: they drag down); it is replaced by the spread of the week's own sums around its pooled daily profile,
    #: measured by their median absolute deviation, so that the days the weekly rhythm will explain (fewer than
    #: half a week) do not count. Only for windows long enough to average bursts out: a median says nothing of
    #: the heavy tail of short windows.
    reestimated_window_hours: float = 0.0
    #: Weight of the cold-start prior (size-class rate), in buckets of observations.
    prior_weight_buckets: float = 288.0
    #: Confidence in the size-class prior, in pseudo-mentions (shape of the gamma prior of the level).
    prior_level_shape: float = 2.0
    #: Dispersion of the count model before it is learnt (variance = mu + dispersion * mu^2), and the weight of
    #: that prior in the method-of-moments sums, in units of mu^2 (a bucket of mean mu adds mu^2): a territory
    #: that sees a mention an hour barely leaves it, one that sees a hundred does within hours.
    prior_dispersion: float = 0.05
    #: True: the method-of-moments ratio of sums (:func:`baseline.moment_estimate`); False: the volume mode's
    #: average of per-window moments floored at 0, with which its thresholds were chosen on NAB.
    dispersion_moment_sums: bool = True
    dispersion_prior_weight: float = 1000.0
    min_dispersion: float = 0.01
    #: Dispersion floor of a territory still learning its rhythm, fading linearly to 0 over its first
    #: ``cold_days``: the hour-of-day and hour-of-week shapes take days to learn, and until then an ordinary
    #: evening peak looks like a surge against a flat expectation (the level's own uncertainty is covered apart).
    cold_dispersion: float = 0.4
    cold_days: float = 7.0
    max_dispersion: float = 2.0
    #: Baseline negative share before it is learnt, and its weight in mentions.
    prior_negative_share: float = 0.2
    share_prior_weight: float = 20.0
    #: Intra-story correlation of the quasi-binomial share test before it is learnt (design effect
    #: ``1 + rho (n - 1)``), and the weight of that prior in the moment sums (units of ``n^2 p (1 - p)``): learnt
    #: from the territory's own hourly shares, so the test's effective sample size grows with volume as far as the
    #: territory's stories really are independent draws.
    share_design_rho: float = 0.003
    share_rho_prior_weight: float = 2000.0
    #: Raise scores account for how often a territory looks (mention mode: one evaluation per mention, and the
    #: count tests' figures move with each negative one): every raise threshold, the CUSUM's included, is moved
    #: by ``look_score_per_decade x log10(r / look_reference_per_hour)``, ``r`` the baseline's negatives per hour
    #: (at least ``look_floor_per_hour``). A place that sees thirty negatives an hour takes thirty chances an hour
    #: at a false raise, one that sees one takes one: at one fixed score the busy place spends the false-crisis
    #: budget and the quiet one cannot raise until its crisis is long under way (0: one score everywhere, as in
    #: volume mode). Mention mode: 1.5 per decade around 5 negatives an hour, chosen on the tuning scenario seeds
    #: (a place of 0.75 negatives an hour raises 1.2 lower, one of 36 an hour 1.3 higher).
    look_score_per_decade: float = 1.5
    look_reference_per_hour: float = 5.0
    look_floor_per_hour: float = 0.5
    #: CUSUM for build-ups (0: off): the quasi-likelihood ratio of a rate ``cusum_ratio`` times the baseline
    #: against the baseline, summed over buckets (reset at 0 from below); it raises at ``cusum_raise_score``
    #: (in -log10 units: ``h = score x ln 10`` nats), beside the windowed tests.
    cusum_ratio: float = 4.0
    cusum_raise_score: float = 5.0
    #: Reach weight of a negative mention: 1 + log10(1 + followers / reach_scale_followers).
    reach_scale_followers: float = 1000.0
    #: Severity: major needs both thresholds, critical both of its own; or reach alone makes it major.
    major_score: float = 12.0
    major_ratio: float = 4.0
    critical_score: float = 24.0
    critical_ratio: float = 8.0
    major_reach_followers: int = 500_000
    #: An incident younger than this does not escalate (0 in mention mode): while the surge that raised it is
    #: still arriving its severity settles silently, so one burst is one alert rather than a raise and an
    #: escalation, and escalating means the incident grew worse after its first hour.
    escalation_grace_seconds: int = 0
    #: Evaluations after a cold start without alerts (0 in mention mode: the size-class prior is enough).
    warmup_buckets: int = 0
    #: Evidence bounds.
    top_mentions: int = 10
    top_terms: int = 10
    baseline_terms_kept: int = 80
    incident_terms_kept: int = 40
    preview_chars: int = 280

    def __post_init__(self) -> None:
        if self.bucket_seconds < 10 or 86400 % self.bucket_seconds != 0:
            raise ValueError("bucket_seconds must divide a day and be at least 10 seconds")
        if not 0 <= self.allowed_lateness_seconds <= 12 * 3600:
            raise ValueError("allowed_lateness_seconds must be between 0 and 12 hours")
        if not self.window_buckets or list(self.window_buckets) != sorted(set(self.window_buckets)):
            raise ValueError("window_buckets must be increasing widths")
        if self.window_buckets[0] < 1 or self.window_buckets[-1] > self.buckets_per_day:
            raise ValueError("window_buckets must be between 1 bucket and a day")
        if not 0 <= self.ongoing_buckets <= self.longest_window:
            raise ValueError("ongoing_buckets must be between 0 and the longest test window")
        if not 0 <= self.unprecedented_days <= 28:
            raise ValueError("unprecedented_days must be between 0 and 28")
        if self.reestimated_window_hours < 0:
            raise ValueError("reestimated_window_hours must not be negative")
        if self.window_raise_scores and len(self.window_raise_scores) != len(self.window_buckets):
            raise ValueError("window_raise_scores must have one score per test window")
        if self.look_reference_per_hour <= 0 or self.look_floor_per_hour <= 0:
            raise ValueError("look_reference_per_hour and look_floor_per_hour must be positive")

    @property
    def reestimated_windows(self) -> dict[int, int]:
        """Index -> width in hours of the test windows whose dispersion is estimated again after the first week
        (windows of whole hours at least ``reestimated_window_hours`` long, when buckets divide an hour)."""
        seconds = self.bucket_seconds
        if self.reestimated_window_hours <= 0 or 3600 % seconds:
            return {}
        return {
            index: width * seconds // 3600
            for index, width in enumerate(self.window_buckets)
            if width * seconds % 3600 == 0 and width * seconds >= self.reestimated_window_hours * 3600
        }

    @property
    def unprecedented_windows(self) -> tuple[int, ...]:
        """Indices of the test windows whose raises must be unprecedented (see ``unprecedented_days``)."""
        if self.unprecedented_days <= 0:
            return ()
        longest = self.unprecedented_window_hours * 3600
        return tuple(i for i, width in enumerate(self.window_buckets) if width * self.bucket_seconds <= longest)

    def raise_score_of(self, index: int) -> float:
        """Significance needed to raise on test window ``index``."""
        return self.window_raise_scores[index] if self.window_raise_scores else self.raise_score

    @property
    def longest_window(self) -> int:
        return self.window_buckets[-1]

    @property
    def buckets_per_day(self) -> int:
        return 86400 // self.bucket_seconds

    @property
    def buckets_per_hour(self) -> float:
        return 3600 / self.bucket_seconds
