"""``vigie notifier``: run the service, check a routes file, manage silences through the running API."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

DEFAULT_API = "http://127.0.0.1:9095"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "notifier",
        help="route and deliver incident notifications (email, Slack, Teams, webhook)",
        description="The notifier service and its operator commands.",
    )
    commands = parser.add_subparsers(dest="notifier_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: _help(parser))

    run = commands.add_parser(
        "run",
        help="consume vigie.alerts.v1 and deliver notifications",
        description="Run the notifier until SIGTERM/Ctrl-C. Settings: VIGIE_NOTIFIER_* and KAFKA_BOOTSTRAP_SERVERS.",
    )
    run.add_argument("--routes", type=Path, help="routes and receivers YAML (default VIGIE_NOTIFIER_ROUTES)")
    run.add_argument("--http-port", type=int, help="port of /healthz, /readyz, /metrics and /api (0 = free)")
    run.add_argument("--http-host", help="address to listen on (default 127.0.0.1)")
    run.add_argument("--silences", type=Path, help="JSON file the silences are kept in")
    run.add_argument(
        "--secrets-dir",
        type=Path,
        help="directory of secret files named like the variables (vigie_notifier_smtp_password, ...)",
    )
    run.set_defaults(func=_run)

    check = commands.add_parser("check", help="validate a routes file", description="Validate a routes file.")
    check.add_argument("routes", type=Path)
    check.set_defaults(func=_check)

    api_help = f"notifier API base URL (default $VIGIE_NOTIFIER_API_URL or {DEFAULT_API})"
    incidents = commands.add_parser("incidents", help="list the incidents the running notifier knows")
    incidents.add_argument("--url", default=os.environ.get("VIGIE_NOTIFIER_API_URL", DEFAULT_API), help=api_help)
    incidents.set_defaults(func=_incidents)

    silence = commands.add_parser("silence", help="add, list or expire silences", description="Manage silences.")
    silence.set_defaults(func=lambda args: _help(silence))
    actions = silence.add_subparsers(dest="silence_command", metavar="ACTION")
    add = actions.add_parser("add", help="mute matching notifications for a while")
    add.add_argument("--matcher", "-m", action="append", required=True, help="name=value, name!=value, name=~re")
    add.add_argument("--duration", default="2h", help="how long (30m, 2h, 1d; default 2h)")
    add.add_argument("--comment", default="", help="why")
    add.add_argument("--author", default=os.environ.get("USER", ""), help="who (default $USER)")
    add.set_defaults(func=_silence_add)
    listing = actions.add_parser("list", help="list silences")
    listing.set_defaults(func=_silence_list)
    expire = actions.add_parser("expire", help="end a silence now")
    expire.add_argument("silence_id")
    expire.set_defaults(func=_silence_expire)
    for sub in (add, listing, expire):
        sub.add_argument("--url", default=os.environ.get("VIGIE_NOTIFIER_API_URL", DEFAULT_API), help=api_help)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _check(args: argparse.Namespace) -> int:
    from vigie.notifier.routes_config import load_routes
    from vigie.schemas import ConfigError

    try:
        config = load_routes(args.routes)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{args.routes}: {len(config.receivers)} receivers: ok")
    return 0


def _run(args: argparse.Namespace) -> int:
    from vigie.notifier.routes_config import load_routes
    from vigie.notifier.service import NotifierService
    from vigie.notifier.settings import NotifierSettings, missing_secrets
    from vigie.runtime.logs import configure_logging, redact
    from vigie.schemas import ConfigError

    overrides: dict[str, Any] = {}
    if args.routes is not None:
        overrides["routes"] = args.routes
    if args.http_port is not None:
        overrides["http_port"] = args.http_port
    if args.http_host is not None:
        overrides["http_host"] = args.http_host
    if args.silences is not None:
        overrides["silences_path"] = args.silences
    settings = NotifierSettings(_secrets_dir=args.secrets_dir, **overrides)
    configure_logging(settings.log_level, settings.log_format)
    redact(
        *(
            s.get_secret_value()
            for s in (settings.smtp_password, settings.slack_token, settings.webhook_secret, settings.api_token)
            if s is not None
        )
    )
    try:
        config = load_routes(settings.routes)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    problems = missing_secrets(settings, config)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await NotifierService(settings, config).run(stop)

    asyncio.run(main())
    return 0


def _api(method: str, url: str, path: str, body: Any = None) -> Any:
    """Call the running notifier's API with the token from ``VIGIE_NOTIFIER_API_TOKEN``."""
    import httpx

    token = os.environ.get("VIGIE_NOTIFIER_API_TOKEN")
    if not token:
        raise SystemExit("vigie notifier: set VIGIE_NOTIFIER_API_TOKEN to the token the notifier API was started with")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        response = httpx.request(method, url.rstrip("/") + path, json=body, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        raise SystemExit(f"vigie notifier: cannot reach {url}: {type(exc).__name__}") from None
    try:
        data = response.json()
    except ValueError:
        data = {"error": response.text[:200]}
    if response.status_code >= 400:
        error = data.get("error", data) if isinstance(data, dict) else data
        raise SystemExit(f"vigie notifier: {response.status_code}: {error}")
    return data


def _incidents(args: argparse.Namespace) -> int:
    print(json.dumps(_api("GET", args.url, "/api/v1/incidents"), indent=2, ensure_ascii=False))
    return 0


def _silence_add(args: argparse.Namespace) -> int:
    body = {"matchers": args.matcher, "duration": args.duration, "comment": args.comment, "created_by": args.author}
    silence = _api("POST", args.url, "/api/v1/silences", body)
    print(silence["id"])
    return 0


def _silence_list(args: argparse.Namespace) -> int:
    for silence in _api("GET", args.url, "/api/v1/silences")["silences"]:
        matchers = ",".join(silence["matchers"])
        print(f"{silence['id']}\t{silence['state']}\t{silence['ends_at']}\t{matchers}\t{silence['comment']}")
    return 0


def _silence_expire(args: argparse.Namespace) -> int:
    silence = _api("DELETE", args.url, f"/api/v1/silences/{args.silence_id}")
    print(f"{silence['id']} expired at {silence['ends_at']}")
    return 0
