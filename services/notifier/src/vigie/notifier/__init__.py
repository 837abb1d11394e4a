"""Vigie notifier service."""
