"""Rendering of notifications: the localised view of an alert, templates, chart (untrusted text is escaped by
:mod:`vigie.text`)."""
