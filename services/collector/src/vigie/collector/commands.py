"""``vigie collector ...``: run the service, replay a file into the broker, try the matcher.

* ``vigie collector run --config SOURCES.yaml --territories TERRITORIES.yaml`` — the service.
* ``vigie collector replay FILE --territories T.yaml --speed max|FACTOR`` — a JSON-lines or CSV file of
  mentions (format: :mod:`vigie.collector.record_format`) into ``vigie.mentions.raw.v1``, with a progress bar.
* ``vigie collector match --territories T.yaml [--json] [TEXT ...]`` — which territories a text matches, and
  why: every occurrence of a territory's terms, counted or removed by an exclusion or a context rule.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vigie.schemas import ConfigError, load_territories


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "collector",
        help="the collector: sources -> territory matching -> vigie.mentions.raw.v1",
        description="Collect mentions of territories from RSS/Atom, Mastodon, Bluesky, Reddit, webhook and files.",
    )
    commands = parser.add_subparsers(dest="collector_command", metavar="COMMAND")

    def show_help(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(func=show_help)

    run_parser = commands.add_parser(
        "run",
        help="run the collector service until SIGTERM",
        description="Run every configured source, the webhook and /healthz /readyz /metrics. "
        "Environment: VIGIE_COLLECTOR_* (see CollectorSettings), KAFKA_BOOTSTRAP_SERVERS.",
    )
    run_parser.add_argument("--config", type=Path, help="sources file (default: VIGIE_COLLECTOR_SOURCES_FILE)")
    run_parser.add_argument("--territories", type=Path, help="territories file (VIGIE_COLLECTOR_TERRITORIES_FILE)")
    run_parser.add_argument("--state-dir", type=Path, help="cursors and dedup journal (VIGIE_COLLECTOR_STATE_DIR)")
    run_parser.add_argument("--secrets-dir", type=Path, help="directory of mounted secret files")
    run_parser.add_argument("--http-port", type=int, help="ops and webhook port (VIGIE_COLLECTOR_HTTP_PORT)")
    run_parser.set_defaults(func=run_service)

    replay = commands.add_parser(
        "replay",
        help="replay a JSON-lines or CSV file of mentions into the broker",
        description="Match each mention of FILE against the territories and produce the raw mentions. "
        "JSON lines: text and published_at required; id, title, url, language, author{...}, engagement{...}, "
        "territory_id, source{kind,instance}, extra optional. CSV: a header naming those columns.",
    )
    replay.add_argument("file", type=Path, metavar="FILE")
    replay.add_argument("--territories", type=Path, required=True, help="territories YAML file")
    replay.add_argument(
        "--speed", default="max", help="'max' (as fast as the broker acknowledges) or a factor of real time (60)"
    )
    replay.add_argument("--bootstrap-servers", help="broker address (default: KAFKA_BOOTSTRAP_SERVERS)")
    replay.add_argument("--state-dir", type=Path, help="resume an interrupted replay from this state directory")
    replay.add_argument("--batch-size", type=int, default=500, help="records per produce batch (default 500)")
    replay.add_argument("--no-progress", action="store_true", help="no progress bar")
    replay.set_defaults(func=run_replay)

    match = commands.add_parser(
        "match",
        help="show which territories texts match, and why",
        description="Match TEXT arguments, or stdin lines when none, against the territories file: per territory, "
        "each occurrence of its terms and whether it counted (or which exclusion or context rule removed it).",
    )
    match.add_argument("texts", nargs="*", metavar="TEXT")
    match.add_argument("--territories", type=Path, required=True, help="territories YAML file")
    match.add_argument("--author", help="author handle (an official account matches its territory)")
    match.add_argument("--json", action="store_true", help="one JSON object per text instead of text")
    match.set_defaults(func=run_match)


def _speed(value: str) -> float | None:
    if value.strip().lower() == "max":
        return None
    speed = float(value)
    if speed <= 0:
        raise ValueError("--speed must be 'max' or a positive factor")
    return speed


def run_service(args: argparse.Namespace) -> int:
    from vigie.collector.errors import SinkError
    from vigie.collector.service import CollectorService
    from vigie.collector.settings import CollectorSettings, describe_settings_error, load_sources
    from vigie.runtime.logs import configure_logging, secret_values

    overrides: dict[str, Any] = {}
    for option, name in (
        ("config", "sources_file"),
        ("territories", "territories_file"),
        ("state_dir", "state_dir"),
        ("http_port", "http_port"),
    ):
        if getattr(args, option) is not None:
            overrides[name] = getattr(args, option)
    try:
        settings = CollectorSettings(_secrets_dir=args.secrets_dir, **overrides)
    except ValidationError as exc:
        print(f"vigie collector run: invalid settings\n{describe_settings_error(exc)}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
    try:
        territories = load_territories(settings.territories_file)
        sources = load_sources(settings.sources_file)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2

    async def main() -> int:
        service = CollectorService(settings, sources, territories)
        service.install_signal_handlers()
        try:
            return await service.run()
        except SinkError as exc:
            print(f"vigie collector run: {exc}", file=sys.stderr)
            return 1

    return asyncio.run(main())


def run_replay(args: argparse.Namespace) -> int:
    try:
        speed = _speed(args.speed)
        territories = load_territories(args.territories)
    except (ValueError, ConfigError) as exc:
        print(f"vigie collector replay: {exc}", file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"vigie collector replay: no such file: {args.file}", file=sys.stderr)
        return 2
    from vigie.collector.replay_command import replay_file
    from vigie.collector.settings import CollectorSettings, describe_settings_error
    from vigie.runtime.logs import configure_logging, secret_values

    try:
        settings = CollectorSettings()
    except ValidationError as exc:
        print(f"vigie collector replay: invalid settings\n{describe_settings_error(exc)}", file=sys.stderr)
        return 2
    configure_logging(
        settings.log_level,
        "console" if sys.stderr.isatty() else settings.log_format,
        secrets=secret_values(settings),
    )

    return asyncio.run(
        replay_file(
            args.file,
            territories,
            speed=speed,
            bootstrap_servers=args.bootstrap_servers,
            state_dir=args.state_dir,
            batch_size=args.batch_size,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
    )


def run_match(args: argparse.Namespace) -> int:
    from vigie.collector.match_command import as_json, render
    from vigie.collector.matching import TerritoryMatcher

    try:
        matcher = TerritoryMatcher(load_territories(args.territories))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    texts = args.texts or (line.rstrip("\n") for line in sys.stdin)
    for text in texts:
        explanation = matcher.explain(text, author_handle=args.author)
        if args.json:
            print(json.dumps(as_json(text, explanation), ensure_ascii=False))
        else:
            print(render(text, explanation))
    return 0
