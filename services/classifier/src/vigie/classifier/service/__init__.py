"""The classifier service: the faust app and its pure processing steps.

``records`` (an inbound record, free of faust), ``scoring_step`` (raw -> scored), ``detection_step``
(scored -> alert events, with per-territory state and replay protection; its contract in
``detection_contract``, what it returns in ``detection_outcome``), ``app`` (the faust app: agents
only decode, call, emit), ``topology`` (every topic the worker needs), ``ops`` (health, readiness, lag).
"""
