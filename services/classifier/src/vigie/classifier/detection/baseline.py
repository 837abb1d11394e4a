"""The robust seasonal baseline of one count series: what is normal for this place at this hour.

Expected count of a bucket = ``level x hour_of_day[h] x hour_of_week[w] x event_factor(local day)``:

* ``level`` is a slowly adapting mean count per bucket, started from a prior (the size class of a territory)
  whose weight is ``prior_weight_buckets``: a running mean at first, then an exponential average;
* the hour-of-day shape pools the seven days so that a new territory learns its daily rhythm within days; the
  hour-of-week shape learns what is left (weekends, market days) more slowly, starting neutral (1.0);
* every observation is winsorised at ``robust_clip_sd`` standard deviations of the count model before it
  teaches anything, so a surge barely moves the baseline (robust), and buckets closed under an open incident do
  not teach it at all (the caller skips them);
* the dispersion ``phi`` of the negative-binomial model (variance = mu + phi mu^2) is learnt from clipped
  residuals by the method of moments (ratio of decayed sums, a prior that shrinks to near-Poisson), at each
  test window's scale (:func:`moment_estimate`); the long windows' dispersions may be estimated again from the first week's hourly
  counts once that week is learnt (``reestimated_window_hours``);
* decayed sums give the baseline negative share and the mean reach weight of negative mentions.

The state is a small JSON-serialisable dict (lists and floats only: :class:`~vigie.classifier.detection.state.Baseline`),
rounded so it stays compact.
"""

from __future__ import annotations

import math
import statistics

from vigie.classifier.detection.local_time import LocalCalendar
from vigie.classifier.detection.settings import DetectorSettings
from vigie.classifier.detection.state import Baseline

_MAX_SHAPE = 20.0
#: Shapes are stored as integers in 1/10,000 (compact and fast to serialise).
SHAPE_UNIT = 10_000
_SHAPE_UNIT_SQUARED = SHAPE_UNIT * SHAPE_UNIT
_WEEK_HOURS = 168
#: Standard deviations per median absolute deviation (of a normal variable).
_SD_PER_MAD = 1.4826


def _sig(value: float) -> float:
    return float(f"{value:.6g}")


def new_baseline(prior_per_bucket: float, windows: int, first_week: bool = False) -> Baseline:
    """A baseline that knows nothing but the prior mean count per bucket (``first_week``: it keeps the hourly
    counts of its first week, see :func:`record_first_week`)."""
    base: Baseline = {
        "level": _sig(prior_per_bucket),
        "hod": [SHAPE_UNIT] * 24,
        "how": [SHAPE_UNIT] * 168,
        "phi": None,
        "phiw": [None] * windows,
        "n": 0,
        "sn": 0.0,
        "st": 0.0,
        "sw": 0.0,
        "hh": None,
        "hx": 0.0,
        "he": 0.0,
    }
    if first_week:
        base["wk"], base["wh"], base["wb"] = [], None, 0
    return base


def shape(base: Baseline, calendar: LocalCalendar, bucket_start: int) -> float:
    """Seasonal and calendar multiplier of the level for the bucket starting at ``bucket_start``."""
    hod, how = calendar.hours(bucket_start)
    return base["hod"][hod] * base["how"][how] / _SHAPE_UNIT_SQUARED * calendar.factor(bucket_start)


def expected(base: Baseline, calendar: LocalCalendar, bucket_start: int) -> float:
    """Expected count in the bucket starting at ``bucket_start``."""
    return base["level"] * shape(base, calendar, bucket_start)


def dispersion(base: Baseline, settings: DetectorSettings) -> float:
    """Dispersion of one bucket's count (the prior until anything is learnt)."""
    phi = base["phi"]
    return settings.prior_dispersion if phi is None else float(phi)


def window_dispersion(base: Baseline, index: int, settings: DetectorSettings) -> float:
    """Dispersion of the sum over test window ``index`` (in ``window_buckets``), learnt at its own scale: bucket
    noise partly averages out over a window while slow rate swings do not, so each scale has its own."""
    phi = base["phiw"][index]
    return dispersion(base, settings) if phi is None else float(phi)


def moment_estimate(
    sums: list[float] | None, observed: float, mean: float, phi: float, settings: DetectorSettings
) -> tuple[list[float], float]:
    """One more residual for a method-of-moments dispersion estimate; returns the updated sums and estimate.

    Under the model, ``E[(x - mu)^2] = mu + phi mu^2``, so ``phi = sum((x - mu)^2 - mu) / sum(mu^2)``: a ratio
    of decayed sums, not an average of per-bucket moments (those are floored at 0 one by one, which biases a
    Poisson series at low counts upwards, and weigh a near-empty bucket like a full one). The residual is clipped
    at ``dispersion_clip_sd`` standard deviations of the current model, so a burst that raised nothing barely
    moves it. The sums start from ``dispersion_prior_weight`` units of ``mu^2`` at ``prior_dispersion``: a quiet
    territory, whose buckets carry almost no ``mu^2``, stays near the prior (close to Poisson) instead of
    following its noise; a busy one leaves it within hours (the upper clip is rounded up to a whole count). The estimate is bounded by ``min_dispersion`` and
    ``max_dispersion``."""
    weight = settings.dispersion_prior_weight
    if sums is None:
        sums = [settings.prior_dispersion * weight, weight]
    sd = math.sqrt(mean + phi * mean * mean)
    # Counts are integers: the upper clip is rounded up, so that at low means a single mention is not clipped
    # (it would bias the estimate far below Poisson).
    upper = math.ceil(mean + settings.dispersion_clip_sd * sd) - mean
    residual = (
        min(observed - mean, upper) if observed >= mean else min(mean - observed, settings.dispersion_clip_sd * sd)
    )
    decay = 1.0 - 1.0 / settings.level_time_constant_buckets
    prior_excess = settings.prior_dispersion * weight / settings.level_time_constant_buckets
    prior_mass = weight / settings.level_time_constant_buckets
    excess = sums[0] * decay + prior_excess + residual * residual - mean
    mass = sums[1] * decay + prior_mass + mean * mean
    estimate = min(max(excess / mass, settings.min_dispersion), settings.max_dispersion)
    return [_sig(excess), _sig(mass)], estimate


def clipped_moment_fraction(mean: float, phi: float, lower: float, upper: float) -> float:
    """``E[psi(X - mu)] / Var X`` for X negative binomial of mean ``mean`` and dispersion ``phi``, ``psi(r)`` the
    square of the residual clipped at ``upper`` above the mean and ``lower`` below it: the consistency factor of a
    clipped method of moments (Huber's proposal 2), computed on the discrete model itself so that it holds at low
    counts, where a normal approximation would not. Normal approximation above a mean of 400."""
    variance = mean + phi * mean * mean
    if mean > 400.0:
        c_up, c_low = upper / math.sqrt(variance), lower / math.sqrt(variance)
        return 0.5 * (_clipped_normal_square(c_up) + _clipped_normal_square(c_low))
    size = 1.0 / max(phi, 1e-6)
    log_q = math.log(mean / (mean + size))
    log_pmf = size * math.log(size / (mean + size))
    total = 0.0
    seen = 0.0
    k = 0
    while k <= mean + upper:
        pmf = math.exp(log_pmf)
        residual = k - mean
        clipped = min(residual, upper) if residual >= 0 else max(residual, -lower)
        total += clipped * clipped * pmf
        seen += pmf
        log_pmf += math.log((k + size) / (k + 1)) + log_q
        k += 1
    total += upper * upper * max(0.0, 1.0 - seen)
    return max(total / variance, 0.05)


def _clipped_normal_square(c: float) -> float:
    """``E[min(Z^2, c^2)]`` for a standard normal ``Z``."""
    tail = 0.5 * math.erfc(c / math.sqrt(2.0))
    density = math.exp(-0.5 * c * c) / math.sqrt(2.0 * math.pi)
    return 1.0 - 2.0 * tail - 2.0 * c * density + 2.0 * c * c * tail


def robust_moment_estimate(
    sums: list[float] | None, observed: float, mean: float, phi: float, settings: DetectorSettings
) -> tuple[list[float], float]:
    """:func:`moment_estimate` with the residual clipped close to the mean (``robust_dispersion_clip_sd``
    standard deviations of the current model, the upper clip rounded up to a whole count) and its square divided
    by the share of the model's variance that the clip keeps (:func:`clipped_moment_fraction`), so the estimate
    stays unbiased on data the model fits while a window lifted by a surge adds at most ``c^2 / kappa(c)`` model
    variances (2.9 at c = 1.5) instead of ~6.4 at the plain estimator's 2.5: hours of buzz or news, whose
    negatives run above the baseline in window after window, barely inflate it."""
    weight = settings.dispersion_prior_weight
    if sums is None:
        sums = [settings.prior_dispersion * weight, weight]
    clip = settings.robust_dispersion_clip_sd
    sd = math.sqrt(mean + phi * mean * mean)
    upper = math.ceil(mean + clip * sd) - mean
    lower = clip * sd
    residual = min(observed - mean, upper) if observed >= mean else min(mean - observed, lower)
    fraction = clipped_moment_fraction(mean, phi, lower, upper)
    decay = 1.0 - 1.0 / settings.level_time_constant_buckets
    prior_excess = settings.prior_dispersion * weight / settings.level_time_constant_buckets
    prior_mass = weight / settings.level_time_constant_buckets
    excess = sums[0] * decay + prior_excess + residual * residual / fraction - mean
    mass = sums[1] * decay + prior_mass + mean * mean
    estimate = min(max(excess / mass, settings.min_dispersion), settings.max_dispersion)
    return [_sig(excess), _sig(mass)], estimate


def learn_window_dispersion(
    base: Baseline, index: int, observed: float, mean: float, settings: DetectorSettings
) -> None:
    """Teach the dispersion of window ``index`` one residual (window sum ending at a closed bucket)."""
    if not settings.dispersion_moment_sums:
        _learn_mean_moment(base, index, observed, mean, settings)
        return
    if mean <= 0.0:
        return
    sums = base.setdefault("pws", [None] * len(base["phiw"]))
    phi = window_dispersion(base, index, settings)
    estimator = robust_moment_estimate if settings.robust_dispersion_clip_sd > 0 else moment_estimate
    sums[index], estimate = estimator(sums[index], observed, mean, phi, settings)
    base["phiw"][index] = round(estimate, 5)


def _learn_mean_moment(base: Baseline, index: int, observed: float, mean: float, settings: DetectorSettings) -> None:
    """The volume mode's estimator: an exponential average of per-window moments, each floored at 0 (biased
    upwards at low counts, which the volume mode's thresholds were chosen with)."""
    if mean < 1.0:
        return
    phi = window_dispersion(base, index, settings)
    sd = math.sqrt(mean + phi * mean * mean)
    residual = min(abs(observed - mean), settings.dispersion_clip_sd * sd)
    moment = min(max((residual * residual - mean) / (mean * mean), 0.0), settings.max_dispersion)
    informed = base["n"] + settings.prior_weight_buckets
    rate = max(1.0 / settings.level_time_constant_buckets, 1.0 / (informed + 1.0))
    updated = min(max(phi + rate * (moment - phi), settings.min_dispersion), settings.max_dispersion)
    base["phiw"][index] = round(updated, 5)


def level_uncertainty(base: Baseline, settings: DetectorSettings) -> float:
    """Dispersion that the uncertainty of the level itself adds (Poisson-gamma: the level is known as well as
    ``prior_level_shape`` pseudo-mentions plus the negatives it has learnt from). Large at a cold start, so a
    territory whose size class is wrong does not alarm on its first ordinary hour; negligible once learnt. At
    least ``cold_dispersion`` fading over the first ``cold_days`` (the shapes are not learnt yet)."""
    learnt = base["sn"]
    level = 1.0 / (settings.prior_level_shape + learnt)
    if settings.cold_dispersion <= 0.0:
        return level
    days = base["n"] / settings.buckets_per_day
    return max(level, settings.cold_dispersion * max(0.0, 1.0 - days / settings.cold_days))


def baseline_share(base: Baseline, settings: DetectorSettings) -> float:
    weight = settings.share_prior_weight
    share = (base["sn"] + weight * settings.prior_negative_share) / (base["st"] + weight)
    return min(max(share, 1e-3), 0.999)


def share_rho(base: Baseline, settings: DetectorSettings) -> float:
    """Intra-story correlation of the share test, learnt (the prior until anything is)."""
    rho = base.get("rho")
    return settings.share_design_rho if rho is None else float(rho)


def learn_share_rho(base: Baseline, negative: float, total: float, settings: DetectorSettings) -> None:
    """Teach the share test's correlation one window (negatives among ``total`` mentions ending at a closed
    bucket): under the quasi-binomial model ``Var(neg - p n) = n p (1 - p) (1 + rho (n - 1))``, so by the
    method of moments ``rho = sum((neg - p n)^2 - n p (1 - p)) / sum(n p (1 - p) (n - 1))``, residuals clipped at
    three standard deviations, decayed sums started from ``share_rho_prior_weight`` units at
    ``share_design_rho``; bounded to [0, 0.5]."""
    if total < 2:
        return
    p = baseline_share(base, settings)
    variance = total * p * (1.0 - p)
    rho = share_rho(base, settings)
    weight = settings.share_rho_prior_weight
    sums = base.get("rs") or [rho * weight, weight]
    bound = 3.0 * math.sqrt(variance * (1.0 + rho * (total - 1.0)))
    residual = min(abs(negative - p * total), bound)
    decay = 1.0 - 1.0 / settings.level_time_constant_buckets
    prior = weight / settings.level_time_constant_buckets
    excess = sums[0] * decay + settings.share_design_rho * prior + residual * residual - variance
    mass = sums[1] * decay + prior + variance * (total - 1.0)
    base["rs"] = [_sig(excess), _sig(mass)]
    base["rho"] = round(min(max(excess / mass, 0.0), 0.5), 6)


def mean_reach_weight(base: Baseline) -> float:
    weight = (base["sw"] + 5.0) / (base["sn"] + 5.0)
    return max(weight, 1.0)


def learn(
    base: Baseline,
    calendar: LocalCalendar,
    bucket_start: int,
    negative: float,
    total: float,
    weighted: float,
    settings: DetectorSettings,
    min_level: float,
) -> None:
    """Teach the baseline one closed bucket (the caller skips buckets under an open incident)."""
    hod, how = calendar.hours(bucket_start)
    factor = calendar.factor(bucket_start)
    hod_shape = base["hod"][hod] / SHAPE_UNIT
    how_shape = base["how"][how] / SHAPE_UNIT
    level = base["level"]
    mean = level * hod_shape * how_shape * factor
    phi = dispersion(base, settings)
    informed = base["n"] + settings.prior_weight_buckets
    sd = math.sqrt(mean + phi * mean * mean)
    if informed >= 12:
        # Counts are integers: the upper bound is rounded up, so a single mention is never an outlier.
        upper = math.ceil(mean + settings.robust_clip_sd * sd)
        clipped = min(max(negative, mean - settings.robust_clip_sd * sd), upper)
    else:
        clipped = negative
    # The level learns from every bucket: a running mean at first (the prior weighs ``prior_weight_buckets``),
    # then an exponential average. The shapes learn once per local hour from that hour's total, so a bin moves
    # once a day (hour of day) or once a week (hour of week), never twelve times in a row during one surge.
    ratio = min(clipped / mean, _MAX_SHAPE) if mean > 0 else 1.0
    alpha = max(1.0 / settings.level_time_constant_buckets, 1.0 / (informed + 1.0))
    if mean > 0:
        level = max(min_level, level * (1.0 + alpha * (ratio - 1.0)))
    else:
        level = max(min_level, clipped / max(hod_shape * how_shape * factor, 1e-9))
    hour = bucket_start // 3600
    if base["hh"] != hour:
        _learn_shapes(base, calendar, settings, informed)
        base["hh"], base["hx"], base["he"] = hour, 0.0, 0.0
    base["hx"] = _sig(base["hx"] + clipped)
    base["he"] = _sig(base["he"] + mean)
    # Dispersion from residuals (clipped far out so that a surge does not inflate it).
    if not settings.dispersion_moment_sums:
        if mean >= 1.0:
            residual = min(abs(negative - mean), settings.dispersion_clip_sd * sd)
            moment = min(max((residual * residual - mean) / (mean * mean), 0.0), settings.max_dispersion)
            previous = settings.prior_dispersion if base["phi"] is None else base["phi"]
            phi_alpha = max(1.0 / settings.level_time_constant_buckets, 1.0 / (informed + 1.0))
            updated = previous + phi_alpha * (moment - previous)
            base["phi"] = round(min(max(updated, settings.min_dispersion), 10.0), 5)
    elif mean > 0.0:
        base["ps"], estimate = moment_estimate(base.get("ps"), negative, mean, phi, settings)
        base["phi"] = round(estimate, 5)
    decay = 1.0 - 1.0 / settings.level_time_constant_buckets
    # A surging bucket teaches the share and the reach weight with a weight cut like its count, never with a
    # distorted share (cutting only the negatives would make a surge look like an unusually calm bucket).
    keep = min(clipped / negative, 1.0) if negative > 0 else 1.0
    base["sn"] = _sig(base["sn"] * decay + negative * keep)
    base["st"] = _sig(base["st"] * decay + total * keep)
    base["sw"] = _sig(base["sw"] * decay + weighted * keep)
    base["level"] = _sig(level)
    base["n"] += 1
    if bucket_start % 86400 == 0:
        _renormalise(base)


def _learn_shapes(base: Baseline, calendar: LocalCalendar, settings: DetectorSettings, informed: float) -> None:
    """One update of the hour-of-day and hour-of-week bins of the last completed hour (shrunk towards 1 by
    one pseudo-mention, so that a quiet village's single post does not reshape its week)."""
    if base["hh"] is None:
        return
    hod, how = calendar.hours(base["hh"] * 3600)
    ratio = min((base["hx"] + 1.0) / (base["he"] + 1.0), _MAX_SHAPE)
    days = informed / 288.0
    alpha_hod = max(86400.0 / settings.bucket_seconds / settings.hour_of_day_time_constant_buckets, 1.0 / (days + 2))
    alpha_how = max(
        7 * 86400.0 / settings.bucket_seconds / settings.hour_of_week_time_constant_buckets, 1.0 / (days / 7 + 3)
    )
    base["hod"][hod] = round(base["hod"][hod] * (1.0 + alpha_hod * (ratio - 1.0))) or 1
    base["how"][how] = round(base["how"][how] * (1.0 + alpha_how * (ratio - 1.0))) or 1


def _renormalise(base: Baseline) -> None:
    """Keep both shapes at mean 1, moving their scale into the level (once per day)."""
    for key in ("hod", "how"):
        values = base[key]
        mean = sum(values) / len(values) / SHAPE_UNIT
        if mean > 0:
            base[key] = [round(v / mean) or 1 for v in values]
            base["level"] = _sig(base["level"] * mean)


def record_first_week(base: Baseline, bucket_start: int, count: float | None, settings: DetectorSettings) -> bool:
    """Add a closed bucket's count to the hourly counts of the baseline's first week (``None``: the bucket was not
    learnt, its hour is left out). True when the bucket completed an hour of that week; False once the week is
    over (or never kept)."""
    week = base.get("wk")
    if week is None:
        return False
    hour = bucket_start // 3600
    last_hour = base["wh"]
    if last_hour is None:
        last_hour = base["wh"] = hour
        base["wb"] = 0
        week.append(0.0 if bucket_start % 3600 == 0 else -1.0)  # an hour seen from its start only
    per_hour = 3600 // settings.bucket_seconds
    while last_hour < hour:
        if base["wb"] < per_hour:
            week[-1] = -1.0
        week.append(0.0)
        base["wh"] = last_hour = last_hour + 1
        base["wb"] = 0
    del week[: -_WEEK_HOURS - 1]
    base["wb"] += 1
    if count is None:
        week[-1] = -1.0
    elif week[-1] >= 0:
        week[-1] = _sig(week[-1] + count)
    return (bucket_start + settings.bucket_seconds) % 3600 == 0


def reestimate_window_dispersions(
    base: Baseline, calendar: LocalCalendar, windows: dict[int, int], settings: DetectorSettings
) -> None:
    """Estimate the dispersion of the test windows ``windows`` (index -> width in hours) from the last week of
    hourly counts, then forget them: each window sum is compared with what a typical day of that week (the median
    count of each hour of the day) expects, and the spread is the median absolute relative deviation, as a standard
    deviation, less the Poisson part. Medians both: the days the weekly rhythm will explain (weekends: fewer than
    half a week) move neither the typical day nor the spread, and neither do bursts."""
    stored, last_hour = base.get("wk"), base.get("wh")
    assert stored is not None and last_hour is not None  # the caller checked that the week is complete
    week = list(stored[-_WEEK_HOURS:])
    first_hour = last_hour - len(week) + 1
    base["wk"], base["wh"], base["wb"] = None, None, 0
    if sum(count >= 0 for count in week) < _WEEK_HOURS // 2:
        return
    hours = [calendar.hours((first_hour + offset) * 3600)[0] for offset in range(len(week))]
    factors = [calendar.factor((first_hour + offset) * 3600) for offset in range(len(week))]
    seen: list[list[float]] = [[] for _ in range(24)]
    for count, hod, factor in zip(week, hours, factors, strict=True):
        if count >= 0:
            seen[hod].append(count / factor)
    typical = [statistics.median(counts) if counts else -1.0 for counts in seen]
    expected = [
        typical[hod] * factor if count >= 0 and typical[hod] >= 0 else -1.0
        for count, hod, factor in zip(week, hours, factors, strict=True)
    ]
    for index, width in windows.items():
        deviations = []
        means = []
        for end in range(width, len(week) + 1):
            span = range(end - width, end)
            if any(week[i] < 0 or expected[i] < 0 for i in span):
                continue
            observed = sum(week[i] for i in span)
            mean = sum(expected[i] for i in span)
            if mean >= 1.0:
                deviations.append(abs(observed - mean) / mean)
                means.append(mean)
        if len(deviations) < 24:
            continue
        phi = (_SD_PER_MAD * statistics.median(deviations)) ** 2 - 1.0 / statistics.median(means)
        phi = round(min(max(phi, settings.min_dispersion), settings.max_dispersion), 5)
        base["phiw"][index] = phi
        sums = base.setdefault("pws", [None] * len(base["phiw"]))
        moments = sums[index]
        if moments is not None:  # the moments go on from the new estimate, with the mass they had
            sums[index] = [_sig(phi * moments[1]), moments[1]]
