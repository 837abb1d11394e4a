"""``vigie classifier``: run the classifier worker, or create the topics it needs.

``vigie classifier run --territories FILE`` starts the faust worker (scoring + detection) until SIGTERM or
Ctrl-C: intake stops, output is flushed, offsets are committed, exit code 0.
``vigie classifier topics`` creates the registry topics it uses and its internal topics (the worker also
does it at start-up unless ``--no-create-topics``). Every other setting comes from the environment
(``VIGIE_CLASSIFIER_*``, ``KAFKA_BOOTSTRAP_SERVERS``): see :class:`vigie.classifier.settings.ClassifierSettings`.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from vigie.classifier.settings import ClassifierSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "classifier",
        help="the classifier service: scoring and crisis detection (faust worker)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="classifier_command", metavar="SUBCOMMAND", required=True)
    run_parser = commands.add_parser(
        "run",
        help="run the worker until SIGTERM",
        description="Run the classifier worker: raw mentions -> scored mentions -> alert events.",
    )
    run_parser.add_argument(
        "--territories", type=Path, help="territories file (default: $VIGIE_CLASSIFIER_TERRITORIES_FILE)"
    )
    run_parser.add_argument("--no-create-topics", action="store_true", help="do not create missing topics at start-up")
    run_parser.add_argument("--http-port", type=int, help="port of /healthz /readyz /metrics (0 = any)")
    run_parser.set_defaults(func=run)
    topics_parser = commands.add_parser(
        "topics",
        help="create the topics the worker needs and print them",
        description="Create the registry topics the worker uses and its internal (changelog) topics.",
    )
    topics_parser.set_defaults(func=create_topics)


def _settings(args: argparse.Namespace) -> ClassifierSettings:
    overrides: dict[str, Any] = {}
    if getattr(args, "territories", None) is not None:
        overrides["territories_file"] = args.territories
    if getattr(args, "http_port", None) is not None:
        overrides["http_port"] = args.http_port
    return ClassifierSettings(**overrides)


def create_topics(args: argparse.Namespace) -> int:
    from vigie.classifier.service.topology import worker_topics
    from vigie.runtime.topics import ensure_topics

    settings = _settings(args)
    wanted = worker_topics(settings.app_id, settings.replication_factor, detecting=settings.role != "scoring")
    created = asyncio.run(ensure_topics(settings.kafka.bootstrap_servers, wanted))
    for request in wanted:
        state = "created" if request.name in created else "exists"
        print(f"{request.name}\tpartitions={request.partitions}\t{state}")
    return 0


def run(args: argparse.Namespace) -> int:
    from vigie.classifier.service.worker import run_worker

    return run_worker(_settings(args), create_topics=not args.no_create_topics)
