"""``vigie demo``: see :mod:`vigie.demo.orchestrator`."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="run the whole pipeline on the embedded broker with the bundled scenario",
        description=(
            "Start an embedded broker, a local SMTP server and a Slack stand-in, the three services as "
            "separate processes, and replay a day of bilingual mentions (a pollution crisis in Saint-Malo, the "
            "Fête des Lumières in Lyon, ambiguous-name noise). What the receivers got lands in --output."
        ),
    )
    parser.add_argument("--output", type=Path, default=Path("demo-output"), help="output folder (default demo-output)")
    parser.add_argument("--timeout", type=float, default=110.0, help="give up after this many seconds (default 110)")
    parser.add_argument("--seed", type=int, default=20261206, help="scenario seed (default 20261206)")
    parser.add_argument("--export-scenario", type=Path, metavar="FILE", help="only write the scenario (JSON lines)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.export_scenario is not None:
        from vigie.demo.scenario import as_replay_record, generate

        with args.export_scenario.open("w", encoding="utf-8") as handle:
            for post in generate(args.seed):
                handle.write(json.dumps(as_replay_record(post), ensure_ascii=False) + "\n")
        return 0
    from vigie.demo.orchestrator import DemoOptions, run_demo

    return asyncio.run(run_demo(DemoOptions(output=args.output, timeout_s=args.timeout, seed=args.seed)))
