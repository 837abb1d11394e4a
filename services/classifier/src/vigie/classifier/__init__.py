"""Vigie classifier service."""
