"""Helpers shared by the test modules, imported as ``from tests.support import ...`` (pytest puts the
repository root on ``sys.path``; see ``pythonpath`` in pyproject.toml).

- :mod:`tests.support.waiting`: ``eventually`` (async) and ``wait_until`` (blocking): poll a condition until it
  holds or a deadline passes, instead of sleeping a fixed time.
- :mod:`tests.support.detection_scenarios`: seeded synthetic streams of scored mentions for the detection core.
- :mod:`tests.support.notifier`: alert, digest and routes builders of the notifier tests; the SMTP and HTTP
  stand-ins themselves are the demo's (:mod:`vigie.demo.stand_ins`).
- :mod:`tests.support.kafka`: read a topic whole, committed offsets, test consumer settings.
"""
