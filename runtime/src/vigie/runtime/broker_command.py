"""``vigie broker``: run the embedded broker with every registry topic until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from vigie.runtime.embedded_broker import BrokerError, EmbeddedBroker, tansu_binary


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "broker",
        help="run the embedded Kafka-protocol broker (Tansu, in memory) with every Vigie topic",
        description="Start Tansu on 127.0.0.1, create every topic of the registry and wait for Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9092, help="listen port (default 9092, 0 = any free port)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        tansu_binary()
    except BrokerError as exc:
        print(f"vigie broker: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    broker = EmbeddedBroker(host=args.host, port=args.port or None)
    with broker:
        print(f"KAFKA_BOOTSTRAP_SERVERS={broker.bootstrap_servers}", flush=True)
        for request in broker.topics:
            print(f"topic {request.name} partitions={request.partitions}", flush=True)
        print("broker ready; Ctrl-C to stop", file=sys.stderr, flush=True)
        try:
            while not stop.wait(0.5):
                if not broker.running():
                    print("broker exited unexpectedly", file=sys.stderr)
                    return 1
        except KeyboardInterrupt:
            pass
    return 0
