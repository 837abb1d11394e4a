"""The production components the worker plugs into its agents: the default sentiment model and language
identifier behind :func:`vigie.classifier.scoring.score_mentions`, and the detection engine's partition
driver behind :class:`~vigie.classifier.service.detection_step.EngineDetectionStep`, with the territory
digests when they are enabled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from vigie.classifier.service.detection_outcome import DetectionStep
from vigie.classifier.service.scoring_step import Clock, ScoreBatch
from vigie.schemas import RawMention, ScoredMention, TerritoryConfig


def load_scorer() -> ScoreBatch:
    """Batch scoring with the default model (loaded once, here)."""
    from vigie.classifier.scoring import score_mentions
    from vigie.classifier.sentiment import load_default_model, load_language_identifier

    model = load_default_model()
    identifier = load_language_identifier()

    def score(mentions: Sequence[RawMention]) -> Sequence[ScoredMention]:
        return score_mentions(model, identifier, mentions)

    return score


def load_detection_step(
    territories: TerritoryConfig, clock: Clock, *, digest_grace: timedelta | None = None
) -> DetectionStep:
    """Detection with the default detector settings over the configured territories; with a
    ``digest_grace``, the territory digests too (no mention-id deduplication: the step skips redelivered
    records by their offsets)."""
    from vigie.classifier.digest import DigestOptions, DigestStreamStep
    from vigie.classifier.service.detection_step import EngineDetectionStep
    from vigie.classifier.service.digest_checkpoint import CheckpointedDigests

    digests = None
    if digest_grace is not None:
        options = DigestOptions(grace=digest_grace, deduplicate=False)
        digests = CheckpointedDigests(DigestStreamStep(territories.territories, options))
    return EngineDetectionStep(territories, clock, digests=digests)
