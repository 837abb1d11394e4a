"""The decision cascade: the stronger sentiment model re-scores the mentions that can change a detection
decision, and detection counts its label instead of the fast one.

Every mention is scored by the ``fast`` model upstream (its label and probabilities are on the
``vigie.mentions.scored.v1`` record, which keeps them: integrators see the scoring stage's label). The
``accurate`` model (``fast`` × a head over multilingual-e5-small) is ~3,000 times slower, far too slow for every
mention, but only a few mentions matter: those that could tip a territory that is already *under test*. So,
in :meth:`~vigie.classifier.detection.DetectionEngine.observe`, a mention is re-scored when

* its territory is **under test**: an incident is open, or the latest evaluation of its test windows reached
  :attr:`CascadeSettings.pre_alert_score` (well below the raise score) less than
  :attr:`CascadeSettings.test_hold_seconds` of event time ago (:meth:`DecisionCascade.note` keeps that time in
  the territory's state);
* its fast label is **uncertain for detection**: the gap between the negative probability and the larger of
  the two others is below :attr:`CascadeSettings.margin` (the negative/non-negative decision is what detection
  counts);
* the **budgets** allow it: at most :attr:`CascadeSettings.budget_per_hour` re-scores per territory per
  event-time hour (of the territory's clock), and at most :attr:`CascadeSettings.partition_budget_per_minute`
  per input partition per event-time minute, whatever the number of territories under test (the bound on the
  detection worker's CPU: a few re-scores a second at most, at any load, also when a cold start or a backlog
  puts hundreds of territories under test at once);
* its label came from the text of a ``fast`` model (not a star rating, not already a stronger model).

The accurate label then replaces the fast one for the counts, the tests, the evidence (the alert's top
mentions show the label detection counted, and the model that gave it) and the alerts.

Deterministic and restart-safe: every decision reads the mention, the territory's state and the partition's
budget, and both are in the checkpointed state mapping: the territory's state holds the cascade's bookkeeping
under ``"rs"`` (``[under test until, hour, re-scores used in that hour]``), the partition driver keeps the
partition's ``[minute, re-scores used in that minute]`` under its own key; the model is deterministic. The
service and ``vigie backtest`` therefore count the same labels and give the same alerts.

The service leaves the cascade off unless ``VIGIE_CLASSIFIER_DECISION_CASCADE`` says otherwise: on held-out crisis
scenarios it caught 0-2 more crises of 60 than the fast labels, for twice as many false ones
(``benchmarks/RESULTS.md``).

The model is injected as a loader called on the first re-score (the model and the e5 encoder, 25-50 MB, load
then, not at start-up); a re-score reads the text the scoring stage read (title when there is no text, territory
terms neutralised) in the language it identified.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from vigie.schemas import ScoredMention, Sentiment, SentimentScores

if TYPE_CHECKING:
    from vigie.classifier.detection.state import TerritoryState
    from vigie.classifier.detection.surge import Evaluation
    from vigie.classifier.sentiment.protocol import Prediction, SentimentModel

#: Key of the cascade's bookkeeping in a territory's state.
STATE_KEY: Final = "rs"
#: Names of the models whose labels the cascade re-scores (the ``fast`` presets).
FAST_MODEL_PREFIX = "vigie-sentiment-fast"


@dataclass(frozen=True, slots=True)
class CascadeSettings:
    """When a mention is re-scored (see the module docstring). Chosen on the crisis-scenario seeds 1-3 and
    reported on seeds 4-6 (``benchmarks/RESULTS.md``, decision cascade), where they caught no more crises than
    the fast labels (two more on seeds 7-9), for more false ones: the service leaves the cascade off unless told
    otherwise."""

    #: Negative-decision margin of the fast probabilities below which a label is uncertain.
    margin: float = 0.45
    #: An evaluation at least this significant (-log10 p) puts its territory under test.
    pre_alert_score: float = 2.0
    #: How long (event time) a territory stays under test after its last evaluation at the pre-alert score.
    test_hold_seconds: int = 3600
    #: Re-scores per territory per event-time hour, at most.
    budget_per_hour: int = 60
    #: Re-scores per input partition per event-time minute, at most (all its territories together).
    partition_budget_per_minute: int = 20
    #: A re-scored mention counts as negative when the stronger model gives the negative class at least this
    #: probability (None: its most probable class). The ``accurate`` model calls more of the uncertain mentions
    #: negative than ``fast`` does, on ordinary traffic too; counted against a baseline learnt from ``fast``
    #: labels, that excess would read as a surge. A threshold at which both call as many ordinary uncertain
    #: mentions negative keeps the test fair and keeps ``accurate``'s better ranking.
    negative_threshold: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.margin <= 1.0:
            raise ValueError("margin must be within 0..1")
        if min(self.budget_per_hour, self.partition_budget_per_minute, self.test_hold_seconds) < 0:
            raise ValueError("the budgets and test_hold_seconds must not be negative")


def negative_margin(scores: SentimentScores) -> float:
    """How far the negative/non-negative decision is from flipping: ``|p(negative) - max(p(neutral),
    p(positive))|``."""
    return abs(scores.negative - max(scores.neutral, scores.positive))


def relabelled(
    mention: ScoredMention, prediction: Prediction, model: str, negative_threshold: float | None = None
) -> ScoredMention:
    """``mention`` with another model's sentiment (probabilities clamped to 0..1); with ``negative_threshold``,
    negative iff its probability reaches it, else the more probable of neutral and positive."""
    scores = SentimentScores(
        negative=min(max(float(prediction.negative), 0.0), 1.0),
        neutral=min(max(float(prediction.neutral), 0.0), 1.0),
        positive=min(max(float(prediction.positive), 0.0), 1.0),
    )
    label: Sentiment = prediction.label
    if negative_threshold is not None:
        if scores.negative >= negative_threshold:
            label = "negative"
        else:
            label = "positive" if scores.positive > scores.neutral else "neutral"
    return mention.model_copy(update={"sentiment": label, "scores": scores, "model": model})


class DecisionCascade:
    """Re-scores the uncertain mentions of territories under test (see the module docstring).

    ``load_model`` returns the stronger model; it is called once, on the first re-score. Counters (read them
    to export metrics): :attr:`rescored`, :attr:`changed` (re-scores whose label differs), :attr:`over_budget`
    (mentions that qualified but found the hour's budget spent) and :attr:`seconds` (wall time spent
    re-scoring)."""

    def __init__(self, load_model: Callable[[], SentimentModel], settings: CascadeSettings | None = None) -> None:
        self.settings = settings or CascadeSettings()
        self._load_model = load_model
        self._model: SentimentModel | None = None
        self.rescored = 0
        self.changed = 0
        self.over_budget = 0
        self.seconds = 0.0

    def under_test(self, state: TerritoryState) -> bool:
        """Whether the territory of ``state`` (its clock already advanced) is under test."""
        if state["inc"] is not None:
            return True
        book = state.get(STATE_KEY)
        clock = state["clock"]
        return book is not None and clock is not None and clock < book[0]

    def relabel(
        self, mention: ScoredMention, state: TerritoryState, partition_budget: list[int] | None = None
    ) -> ScoredMention:
        """The mention as detection counts it: re-scored when it qualifies and the budgets allow, else as is.

        ``partition_budget``: ``[minute, re-scores used in it]`` of the mention's partition, updated in place (None:
        no partition budget, as for a lone territory)."""
        if not self.under_test(state) or negative_margin(mention.scores) >= self.settings.margin:
            return mention
        if not mention.model.startswith(FAST_MODEL_PREFIX) or (
            mention.rating is not None and not 2.5 < mention.rating < 3.5
        ):
            return mention
        clock = state["clock"]
        assert clock is not None  # under test: advanced
        hour = clock // 3600
        book = state.get(STATE_KEY)
        if book is None:
            book = state[STATE_KEY] = [0, hour, 0]
        if book[1] != hour:
            book[1], book[2] = hour, 0
        minute = clock // 60
        if partition_budget is not None and minute > partition_budget[0]:
            partition_budget[0], partition_budget[1] = minute, 0
        if book[2] >= self.settings.budget_per_hour or (
            partition_budget is not None and partition_budget[1] >= self.settings.partition_budget_per_minute
        ):
            self.over_budget += 1
            return mention
        book[2] += 1
        if partition_budget is not None:
            partition_budget[1] += 1
        return self._rescore(mention)

    def note(self, state: TerritoryState, evaluation: Evaluation | None) -> None:
        """Record an evaluation of the territory: at the pre-alert score it stays under test for the hold."""
        if evaluation is None or evaluation.score < self.settings.pre_alert_score:
            return
        clock = state["clock"]
        assert clock is not None  # an evaluation is made at the clock
        until = clock + self.settings.test_hold_seconds
        book = state.get(STATE_KEY)
        if book is None:
            state[STATE_KEY] = [until, clock // 3600, 0]
        elif until > book[0]:
            book[0] = until

    def _rescore(self, mention: ScoredMention) -> ScoredMention:
        from vigie.classifier.scoring import scoring_text
        from vigie.classifier.sentiment.places import neutralise_places

        began = time.perf_counter()
        if self._model is None:
            self._model = self._load_model()
        text = neutralise_places(scoring_text(mention), mention.matched_terms)
        language = None if mention.detected_language == "und" else mention.detected_language
        prediction = self._model.predict([text], [language])[0]
        self.rescored += 1
        result = relabelled(mention, prediction, self._model.name, self.settings.negative_threshold)
        self.changed += result.sentiment != mention.sentiment
        self.seconds += time.perf_counter() - began
        return result


def load_accurate_model() -> SentimentModel:
    """The shipped ``accurate`` model (its e5 encoder loads on first use)."""
    from vigie.classifier.sentiment import load_default_model

    return load_default_model("accurate")
