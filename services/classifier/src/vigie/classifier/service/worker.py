"""Start the classifier worker in this process: topics, components, faust worker, ops endpoints.

Runs until SIGTERM or SIGINT (mode's worker handles both: the agents stop taking records, the producer
is flushed, offsets are committed, the process exits with 0).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence

import faust
import uvloop
from prometheus_client import CollectorRegistry

from vigie.classifier.app import SYSTEM_CLOCK, build_service
from vigie.classifier.metrics import ClassifierMetrics
from vigie.classifier.service.components import (
    admission_settings,
    decision_cascade,
    digest_options,
    load_detection_step,
    load_scorer,
)
from vigie.classifier.service.ops import OpsService
from vigie.classifier.service.topology import worker_topics
from vigie.classifier.settings import ClassifierSettings
from vigie.runtime.logs import configure_logging, secret_values
from vigie.runtime.topics import ensure_topics
from vigie.schemas import RawMention, ScoredMention, load_territories

log = logging.getLogger(__name__)


def _never_scores(mentions: Sequence[RawMention]) -> Sequence[ScoredMention]:
    raise RuntimeError("this worker's role is detection: it has no scoring agent")


def new_event_loop(kind: str) -> asyncio.AbstractEventLoop:
    """The worker's event loop: uvloop's (``kind`` "uvloop", the default setting) or asyncio's."""
    return uvloop.new_event_loop() if kind == "uvloop" else asyncio.new_event_loop()


def run_worker(settings: ClassifierSettings, *, create_topics: bool = True) -> int:
    """Run the worker until a signal stops it; return the exit code."""
    configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
    # Fewer young-generation collections: every batch allocates tens of thousands of short-lived objects
    # (decoded records, states' working copies), and each collection also walks what survived the last ones
    # (in-process detection of 60k mentions over 1,000 territories: ~20 % of the CPU in the collector with
    # the default 700, ~6 % with 10,000; only cyclic garbage waits longer, no more than 10,000 objects).
    gc.set_threshold(10_000, 10, 10)
    territories = load_territories(settings.territories_file)
    if create_topics:
        wanted = worker_topics(settings.app_id, settings.replication_factor, detecting=settings.role != "scoring")
        asyncio.run(ensure_topics(settings.kafka.bootstrap_servers, wanted))
    metrics = ClassifierMetrics(CollectorRegistry())
    service = build_service(
        settings,
        # A detection-only worker never scores: it does not load the model (~90 MB with the language identifier).
        score=load_scorer(settings.sentiment_preset) if settings.role != "detection" else _never_scores,
        detection=load_detection_step(
            territories,
            SYSTEM_CLOCK.now,
            digests=digest_options(settings),
            admission=admission_settings(settings),
            cascade=decision_cascade(settings),
        ),
        metrics=metrics,
    )
    log.info(
        "classifier worker starting",
        extra={
            "app_id": settings.app_id,
            "bootstrap_servers": settings.kafka.bootstrap_servers,
            "territories": len(territories.territories),
            "digests_enabled": settings.digests_enabled,
            "digest_pseudonymise": settings.digest_pseudonymise,
            "tansu_compat": settings.tansu_compat,
        },
    )
    worker = faust.Worker(
        service.app,
        service.bulk,
        OpsService(service),
        loglevel=settings.log_level,
        quiet=True,
        override_logging=False,
        redirect_stdouts=False,
        loop=new_event_loop(settings.event_loop),
    )
    worker.spinner = None  # faust's start-up spinner writes "\b\x1b[?25h" to stdout even when it is no terminal
    try:
        worker.execute_from_commandline()
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0
