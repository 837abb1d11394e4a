"""Sentiment and language for short social posts."""

from vigie.classifier.sentiment.protocol import LanguageGuess, LanguageIdentifier, Prediction, SentimentModel

__all__ = ["LanguageGuess", "LanguageIdentifier", "Prediction", "SentimentModel"]
