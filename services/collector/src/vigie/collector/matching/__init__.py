"""Territory matching: which watched territories a text talks about, and by which terms (pure core)."""

from vigie.collector.matching.folding import fold, fold_text, tokens
from vigie.collector.matching.matcher import (
    ExclusionHit,
    MatchExplanation,
    MatchOutcome,
    MatchResult,
    Occurrence,
    TerritoryExplanation,
    TerritoryMatch,
    TerritoryMatcher,
)

__all__ = [
    "ExclusionHit",
    "MatchExplanation",
    "MatchOutcome",
    "MatchResult",
    "Occurrence",
    "TerritoryExplanation",
    "TerritoryMatch",
    "TerritoryMatcher",
    "fold",
    "fold_text",
    "tokens",
]
