"""The shapes of the detection state, as TypedDicts: mypy checks every key the detector reads or writes.

A territory's state (mention mode) or a series' state (volume mode) is a plain JSON-compatible dict, mutated in
place on every mention: typing it with TypedDicts costs nothing at run time (the values stay the same dicts,
lists and numbers, so the JSON bytes do not change) while every access by key is checked. The keys are short
because the state is serialised on every checkpoint; each field's comment says what its key means. Keys marked
``NotRequired`` are absent from some states: created on first use, kept only under some settings, or absent from
states written by an older version (the detector reads them with ``.get`` / ``setdefault``).

Loading a state written to JSON (version check, migration of older layouts) and dumping one:
:mod:`vigie.classifier.detection.state_codec`.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from vigie.schemas import Severity

#: Version of the state's JSON format, under the key ``"v"`` of every territory or series state.
STATE_VERSION = 1


class Baseline(TypedDict):
    """The robust seasonal baseline of one count series (:mod:`~vigie.classifier.detection.baseline`)."""

    #: Level: the mean count per bucket before the shapes (negative mentions in mention mode).
    level: float
    #: Hour-of-day shape: 24 multipliers in 1/10,000 (``baseline.SHAPE_UNIT``), local time.
    hod: list[int]
    #: Hour-of-week shape: 168 multipliers in 1/10,000, local time, Monday 00:00 first.
    how: list[int]
    #: Dispersion ``phi`` of one bucket's count (None: nothing learnt yet, the prior applies).
    phi: float | None
    #: Dispersion of each test window's sum (None: not learnt yet, the bucket's applies).
    phiw: list[float | None]
    #: Buckets learnt.
    n: int
    #: Decayed sum of negatives ("sum negative").
    sn: float
    #: Decayed sum of all mentions ("sum total").
    st: float
    #: Decayed sum of reach-weighted negatives ("sum weighted").
    sw: float
    #: Hour (epoch seconds // 3600) whose counts ``hx`` / ``he`` accumulate for the next shape update (None: none
    #: yet).
    hh: int | None
    #: That hour's observed (clipped) count so far.
    hx: float
    #: That hour's expected count so far.
    he: float
    #: Method-of-moments sums of ``phi``: ``[excess, mass]`` (created on first use).
    ps: NotRequired[list[float]]
    #: Method-of-moments sums of each window's dispersion, ``[excess, mass]`` or None (created on first use).
    pws: NotRequired[list[list[float] | None]]
    #: Method-of-moments sums of the share test's correlation: ``[excess, mass]`` (created on first use).
    rs: NotRequired[list[float]]
    #: The share test's learnt intra-story correlation ("rho", created on first use).
    rho: NotRequired[float]
    #: First week's hourly counts, oldest first, -1 for an hour not (fully) learnt ("week"); None once the week
    #: was used. Only with ``reestimated_window_hours``.
    wk: NotRequired[list[float] | None]
    #: Hour (epoch seconds // 3600) of the last entry of ``wk`` ("week hour"; None: none yet).
    wh: NotRequired[int | None]
    #: Buckets seen in that hour ("week buckets").
    wb: NotRequired[int]


class Ring(TypedDict):
    """The last day of buckets of one series (:mod:`~vigie.classifier.detection.ring`). The recent part is dense
    lists indexed by ``bucket % len``; counts are integers in mention mode (a volume-mode series may count
    fractions)."""

    #: Newest bucket (epoch seconds // bucket seconds).
    head: int
    #: Negative count of each recent bucket.
    neg: list[float]
    #: Count of all mentions of each recent bucket ("total").
    tot: list[float]
    #: Reach-weighted negatives of each recent bucket ("weighted"), in hundredths (``ring.WEIGHT_UNIT``).
    w: list[int]
    #: Largest single reach weight of each recent bucket ("weight max"), in hundredths (absent from states
    #: written before it was kept).
    wx: NotRequired[list[int]]
    #: What the baseline expected in each recent bucket when it began ("expected"), in 1/10,000.
    e: list[int]
    #: Older buckets of the day ("history"): ``"neg,tot,expected neg,tot,expected ..."``, oldest first.
    hist: str
    #: Entries in ``hist`` ("history count").
    hn: int
    #: Most entries ``hist`` keeps ("history max").
    hmax: int


class Incident(TypedDict):
    """The open incident of a series (:class:`~vigie.classifier.detection.surge.SurgeDetector`)."""

    #: Incident id (``<territory>:negative_surge:<opened, UTC minute>``).
    id: str
    #: Event time (epoch seconds) it was raised at.
    opened: float
    #: Sequence number of its last event (``raised`` is 0).
    seq: int
    #: Current severity ("severity"; it only goes up).
    sev: Severity
    #: Last clock (event time) at which an evaluation reached the sustain score.
    active: int
    #: Event time of its last event.
    last: float
    #: Negatives counted since it opened.
    neg: float
    #: ``neg`` at its last event ("last neg"): an update needs material growth since.
    lneg: float
    #: Figures of the last significant evaluation ("significance": ``Evaluation.to_list``).
    sig: list[float]


class TermTable(TypedDict):
    """A bounded decayed term table (:mod:`~vigie.classifier.detection.terms`)."""

    #: Documents counted (decayed).
    n: float
    #: Term -> documents containing it (decayed).
    t: dict[str, float]


#: A stored mention of the evidence: ``[reach, epoch, mention id, url, text preview, author handle, source kind,
#: language, sentiment, published_at (ISO), near-duplicate signature]`` (positions in
#: :mod:`~vigie.classifier.detection.evidence`).
EvidenceRow = list[Any]


class EvidenceState(TypedDict):
    """What an alert event shows, accumulated per territory (:mod:`~vigie.classifier.detection.evidence`). The
    keys added after the first release are filled in when an older state is loaded
    (:func:`~vigie.classifier.detection.state_codec.load_state`)."""

    #: Top negative mentions by reach, best first.
    top: list[EvidenceRow]
    #: Term table of the baseline period (every mention outside incidents).
    base: TermTable
    #: Term table of negative mentions: recent ones outside an incident, the whole incident during one.
    inc: TermTable
    #: Negative mentions by source kind ("sources"), same periods as ``inc``.
    src: dict[str, float]
    #: Negative mentions by language, same periods as ``inc``.
    lang: dict[str, float]
    #: Clusters of near-duplicate posts (``vigie.digest.clusters`` rows).
    cl: list[list[Any]]
    #: Earliest negative post of the incident (outside one: of the recent window), or None.
    first: EvidenceRow | None
    #: Authors of the baseline period: ``[current generation, previous generation, authors in current]``, each
    #: generation a 4096-bit Bloom filter as 128 words of 32 bits.
    seen: list[Any]
    #: ``[negative posts, of which by new authors]``, same periods as ``inc``.
    neg: list[float]


class SeenMentions(TypedDict):
    """The ids a territory's detector already counted (:mod:`~vigie.classifier.detection.seen_mentions`)."""

    #: Latest event second counted (None: none yet).
    max: int | None
    #: Event second (as a string: a JSON key) -> fingerprints of the mentions counted at that second.
    ids: dict[str, list[int]]
    #: Fingerprints held.
    n: int


class SurgeState(TypedDict):
    """The state of one count series' surge detector (:class:`~vigie.classifier.detection.surge.SurgeDetector`),
    shared by the mention mode and the volume mode."""

    #: Version of the state's format (:data:`STATE_VERSION`).
    v: int
    #: The series' clock: the largest event time (epoch seconds) seen or advanced to (None: nothing yet).
    clock: int | None
    #: Last closed bucket (None: nothing yet).
    closed: int | None
    #: The seasonal baseline.
    base: Baseline
    #: The last day of buckets.
    ring: Ring
    #: The open incident ("incident"), or None.
    inc: Incident | None
    #: Event time of the last resolution (None: none yet), for flap damping.
    resolved: int | None
    #: Daily maxima of the windows that must be unprecedented: ``[day, [[max per day, oldest first] per
    #: window]]`` (None: nothing yet). Only with ``unprecedented_days``.
    peaks: NotRequired[list[Any] | None]
    #: The CUSUM at the last closed bucket, in nats. Only with ``cusum_ratio`` > 1 (absent from states written
    #: before it was kept).
    cu: NotRequired[float]
    #: Volume mode: the offset (seconds) of the series' rows from the bucket grid.
    offset: NotRequired[int]


class TerritoryState(SurgeState):
    """A territory's state in mention mode: the surge detector's, its evidence, the decision cascade's bookkeeping
    and the mentions already counted."""

    #: The evidence ("evidence").
    ev: EvidenceState
    #: The decision cascade's bookkeeping ("re-scores"): ``[under test until, hour, re-scores used in that hour]``
    #: (created on first use, see :mod:`~vigie.classifier.detection.rescoring`).
    rs: NotRequired[list[int]]
    #: The mentions already counted (:data:`~vigie.classifier.detection.partition.SEEN_FIELD`; absent from states
    #: written when the set had an entry of its own).
    seen_ids: NotRequired[SeenMentions]


class PartitionBook(TypedDict):
    """A partition driver's bookkeeping (:class:`~vigie.classifier.detection.PartitionDriver`)."""

    #: The partition's watermark: the largest detection time (epoch seconds) seen on it.
    wm: int
    #: Territory -> event time its open incident is due to resolve at.
    due: dict[str, int]
