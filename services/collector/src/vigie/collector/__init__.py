"""Vigie collector service."""
