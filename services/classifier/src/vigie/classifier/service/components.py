"""The production components the worker plugs into its agents: the default sentiment model and language
identifier behind :func:`vigie.classifier.scoring.score_mentions`, and the detection engine's partition
driver behind :class:`~vigie.classifier.service.detection_step.EngineDetectionStep`, with the territory
digests when they are enabled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from vigie.classifier.service.detection_contract import DetectionStep
from vigie.classifier.service.scoring_step import Clock, ScoreBatch
from vigie.classifier.settings import ClassifierSettings
from vigie.schemas import RawMention, ScoredMention, TerritoryConfig

if TYPE_CHECKING:
    from vigie.classifier.detection import AdmissionSettings
    from vigie.classifier.detection.rescoring import DecisionCascade
    from vigie.digest import DigestOptions


def load_scorer(preset: str = "fast") -> ScoreBatch:
    """Batch scoring with the shipped model of ``preset`` (loaded once, here)."""
    from vigie.classifier.scoring import score_mentions
    from vigie.classifier.sentiment import load_default_model, load_language_identifier

    model = load_default_model(preset)
    identifier = load_language_identifier()

    def score(mentions: Sequence[RawMention]) -> Sequence[ScoredMention]:
        return score_mentions(model, identifier, mentions)

    return score


def digest_options(settings: ClassifierSettings) -> DigestOptions | None:
    """The digest options of the worker (None: digests off). No mention-id deduplication here: the detection
    step skips redelivered records by their offsets and duplicate mention ids before the digests see them."""
    from vigie.digest import DigestOptions

    if not settings.digests_enabled:
        return None
    key = settings.digest_pseudonymise_key
    return DigestOptions(
        grace=timedelta(seconds=settings.digest_grace_s),
        deduplicate=False,
        pseudonymise=settings.digest_pseudonymise,
        pseudonymise_key=key.get_secret_value().encode("utf-8") if key else b"",
    )


def admission_settings(settings: ClassifierSettings) -> AdmissionSettings:
    """How the worker's partition drivers date and deduplicate mentions (see the settings' fields)."""
    from vigie.classifier.detection import AdmissionSettings

    return AdmissionSettings(
        max_future_skew_s=settings.max_future_skew_s,
        max_event_age_s=settings.max_event_age_s,
        seen_capacity=settings.seen_mentions_per_territory,
    )


def decision_cascade(settings: ClassifierSettings) -> DecisionCascade | None:
    """The detection stage's re-scorer (None when ``decision_cascade`` is off, or ``auto`` in a role=all worker);
    its model loads on first use, but a missing encoders extra fails here, at start-up."""
    from vigie.classifier.detection.rescoring import CascadeSettings, DecisionCascade, load_accurate_model
    from vigie.classifier.sentiment.encoder_packages import require_encoders_extra

    if settings.decision_cascade == "off" or (settings.decision_cascade == "auto" and settings.role == "all"):
        return None
    require_encoders_extra()
    return DecisionCascade(
        load_accurate_model,
        CascadeSettings(
            budget_per_hour=settings.decision_cascade_budget_per_hour,
            partition_budget_per_minute=settings.decision_cascade_partition_budget_per_minute,
        ),
    )


def load_detection_step(
    territories: TerritoryConfig,
    clock: Clock,
    *,
    digests: DigestOptions | None = None,
    admission: AdmissionSettings | None = None,
    cascade: DecisionCascade | None = None,
) -> DetectionStep:
    """Detection with the default detector settings over the configured territories; with digest
    options, the territory digests too; with a cascade, its re-scored labels."""
    from vigie.classifier.service.detection_step import EngineDetectionStep
    from vigie.classifier.service.digest_checkpoint import CheckpointedDigests
    from vigie.digest import DigestStreamStep

    checkpointed = None
    if digests is not None:
        checkpointed = CheckpointedDigests(DigestStreamStep(territories.territories, digests))
    return EngineDetectionStep(territories, clock, digests=checkpointed, admission=admission, cascade=cascade)
