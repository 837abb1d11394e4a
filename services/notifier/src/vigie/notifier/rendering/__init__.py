"""Rendering of notifications: the localised view of an alert, escaping of untrusted text, templates, chart."""
