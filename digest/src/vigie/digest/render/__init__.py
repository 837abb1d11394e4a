"""Rendering of digests for people: HTML with PNG charts (file or email), plain text, Slack and Teams.

Pure functions of a :class:`~vigie.schemas.DigestEvent` and a :class:`Locale` (language and the receiver's
time zone); they never send anything. Untrusted text goes through its output format's rule in
:mod:`vigie.text` everywhere (HTML, plain text, Slack, Teams). The chart-drawing modules (``render.html``, ``render.email``, ``render.charts``) import
matplotlib, which takes a while: they are not imported here, import them where charts are drawn.
"""

from vigie.digest.render.chat import slack_payload, teams_payload, text_summary
from vigie.digest.render.locale import LANGUAGES, Language, Locale

__all__ = [
    "LANGUAGES",
    "Language",
    "Locale",
    "slack_payload",
    "teams_payload",
    "text_summary",
]
