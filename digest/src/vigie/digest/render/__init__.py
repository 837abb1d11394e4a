"""Rendering of digests for people: HTML with PNG charts (file or email), plain text, Slack and Teams.

Pure functions of a :class:`~vigie.schemas.DigestEvent` and a :class:`Locale` (language and the receiver's
time zone); they never send anything. Untrusted text is escaped everywhere (HTML autoescape, chat
neutralisation). The chart-drawing modules (``render.html``, ``render.email``, ``render.charts``) import
matplotlib, which takes a while: they are not imported here, import them where charts are drawn.
"""

from vigie.digest.render.chat import neutralise, slack_payload, teams_payload, text_summary
from vigie.digest.render.locale import LANGUAGES, Language, Locale

__all__ = [
    "LANGUAGES",
    "Language",
    "Locale",
    "neutralise",
    "slack_payload",
    "teams_payload",
    "text_summary",
]
