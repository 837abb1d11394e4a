"""Text for people, shared by the incident notifications (notifier) and the digests.

Mention text, author handles, territory names and terms are written by anyone on the internet. Wherever
they are shown they must not ping people (``@here``, ``<!channel>``, ``<@U123>``), create links
(``<https://evil|click>``, ``[click](https://evil)``, bare URLs that clients auto-link) or inject markup
(``<script>``). One module per output format holds its one rule set:

- :mod:`vigie.text.defang` — links and pings broken for every format (plain text as is), whitespace folded;
- :mod:`vigie.text.slack` — Slack ``mrkdwn`` and the plain ``text`` fallback;
- :mod:`vigie.text.teams` — the Adaptive Card Markdown subset (Teams);
- :mod:`vigie.text.html` — HTML text (autoescape after :func:`~vigie.text.defang.defang`) and link targets;
- :mod:`vigie.text.headers` — email and HTTP header values.

:mod:`vigie.text.locale` says numbers, dates, durations and time zones in each language (:class:`Locale`: a
receiver's language and time zone); :mod:`vigie.text.catalogue` is the type every product's words are written
in (incident notifications, the incident page, digests), checked complete in every language.
"""
