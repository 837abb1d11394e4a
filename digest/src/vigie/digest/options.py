"""What a digest selects and how: thresholds for themes, ambassadors and detractors, pseudonymisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from vigie.schemas import DigestPeriod


@dataclass(frozen=True, slots=True)
class DigestOptions:
    """Knobs of the digest; the defaults are what the service and ``vigie digest`` use.

    Themes: a term, hashtag or landmark is a theme when at least ``theme_min_count`` mentions of the period
    contain it, it is significantly more frequent than in the baseline (G² keyness ≥ 3.84, the ranking) and
    its share is at least ``theme_min_lift`` times its baseline share (or the baseline never had it). The
    baseline of a territory is the decayed sum of its previous periods' counts (``baseline_decay`` per
    period); a territory without a baseline yet gets its most frequent terms, without a ratio (see
    :mod:`vigie.digest.themes`).

    Top posts: positive and negative posts whose label the model gives with at least
    ``top_post_min_confidence``, ranked by ``confidence × ln(e + engagement + reach)``, one per near-duplicate
    story (see :mod:`vigie.digest.aggregate`); ``max_stories`` stories are listed, and any campaign beyond them.

    Ambassadors: authors with at least ``ambassador_min_positive`` positive mentions, at least twice as many
    positive as negative ones, and a reach (followers) of at least ``ambassador_min_reach``. Detractors:
    authors with at least ``detractor_min_negative`` negative mentions and at least twice as many negative
    as positive ones.

    Pseudonymisation: when ``pseudonymise`` is on (or an author is flagged ``pseudonymised``), identities are
    ``anon-`` + a keyed hash (HMAC-SHA256 with ``pseudonymise_key``) of the source and author id; raw
    handles and display names are never kept, not even in the accumulator's state.
    """

    periods: tuple[DigestPeriod, ...] = ("day", "week")
    #: Event-time delay after a period's end before it closes, for slightly late mentions.
    grace: timedelta = timedelta(minutes=30)
    top_posts: int = 5
    #: A post is a top post only when the model gives its label at least this probability.
    top_post_min_confidence: float = 0.5
    #: Near-duplicate clusters (stories) listed, largest first; campaigns beyond them are listed too.
    max_stories: int = 5
    max_themes: int = 15
    theme_min_count: int = 3
    theme_min_lift: float = 1.5
    baseline_decay: float = 0.85
    #: Baseline terms kept per territory and period kind (the most frequent).
    baseline_max_terms: int = 5000
    ambassador_min_positive: int = 2
    ambassador_min_reach: int = 1000
    detractor_min_negative: int = 2
    max_authors: int = 10
    pseudonymise: bool = False
    pseudonymise_key: bytes = b"vigie-digest"
    #: Count each mention id once per period (remembers a 64-bit hash per mention). A service that
    #: already skips redelivered records (by offsets) may turn it off to keep its state small.
    deduplicate: bool = True

    def __post_init__(self) -> None:
        # The contract bounds these lists (DigestEvent): refuse options that would build an invalid digest.
        limits = {"top_posts": (self.top_posts, 10), "max_themes": (self.max_themes, 30)}
        limits["max_stories"] = (self.max_stories, 5)
        limits["max_authors"] = (self.max_authors, 20)
        for name, (value, most) in limits.items():
            if not 0 <= value <= most:
                raise ValueError(f"{name} must be between 0 and {most}, not {value}")
        if not self.periods or len(set(self.periods)) != len(self.periods):
            raise ValueError(f"periods must be distinct and not empty: {self.periods}")
        if not 0 < self.baseline_decay <= 1:
            raise ValueError("baseline_decay must be in (0, 1]")
