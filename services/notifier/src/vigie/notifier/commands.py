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

    check = commands.add_parser(
        "check",
        help="validate a routes file",
        description="Validate a routes file: errors (exit 1) and warnings about matchers that can never match "
        "(a label no alert carries, a value the label never takes), each with file, line and field.",
    )
    check.add_argument("routes", type=Path)
    check.add_argument("--territories", type=Path, help="territories file: also check territory labels, ids and names")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check.set_defaults(func=_check)

    routes = commands.add_parser("routes", help="explore the routing tree", description="Explore the routing tree.")
    routes.set_defaults(func=lambda args: _help(routes))
    routes_actions = routes.add_subparsers(dest="routes_command", metavar="ACTION")
    route_test = routes_actions.add_parser(
        "test",
        help="print the receivers an alert with these labels would reach",
        description="Print, one per line, the receivers an alert carrying LABEL=VALUE... would reach, with "
        "the timing of the route that chose each (like `amtool config routes test`). A label not given "
        "is empty, as in Alertmanager. Alerts carry territory_id, territory, severity, transition, kind "
        "and their territory's labels.",
    )
    route_test.add_argument("labels", nargs="+", metavar="LABEL=VALUE")
    route_test.add_argument(
        "--routes",
        type=Path,
        default=Path(os.environ.get("VIGIE_NOTIFIER_ROUTES", "config/notifier.yaml")),
        help="routes file (default $VIGIE_NOTIFIER_ROUTES or config/notifier.yaml)",
    )
    route_test.add_argument(
        "--verify", metavar="RECEIVERS", help="comma-separated receivers expected: exit 1 when they differ"
    )
    route_test.set_defaults(func=_routes_test)

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
    from vigie.notifier.routes_check import matcher_warnings
    from vigie.notifier.routes_config import load_routes
    from vigie.schemas import ConfigError
    from vigie.schemas.territory import TerritoryConfig, load_territories
    from vigie.schemas.yaml_source import parse_yaml_with_lines

    territories: TerritoryConfig | None = None
    try:
        config = load_routes(args.routes)
        if args.territories is not None:
            territories = load_territories(args.territories)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    _, lines = parse_yaml_with_lines(args.routes.read_text(encoding="utf-8"), str(args.routes))
    warnings = matcher_warnings(config, territories, str(args.routes), lines)
    for warning in warnings:
        print(warning, file=sys.stderr)
    counted = sum(": warning: " in w for w in warnings)
    suffix = f" ({counted} warning{'s' if counted != 1 else ''})" if counted else ""
    print(f"{args.routes}: {len(config.receivers)} receivers: ok{suffix}")
    return 1 if args.strict and counted else 0


def _routes_test(args: argparse.Namespace) -> int:
    from vigie.notifier.matchers import Matcher, MatcherError
    from vigie.notifier.routes_config import load_routes
    from vigie.notifier.routing import route_labels
    from vigie.schemas import ConfigError

    labels: dict[str, str] = {}
    for text in args.labels:
        try:
            label = Matcher.parse(text)
        except MatcherError as exc:
            print(f"vigie notifier routes test: {exc}", file=sys.stderr)
            return 2
        if label.op != "=":
            print(f"vigie notifier routes test: {text!r}: a label is LABEL=VALUE", file=sys.stderr)
            return 2
        labels[label.name] = label.value
    try:
        config = load_routes(args.routes)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    found = route_labels(config, labels)
    for match in found:
        timing = match.timing
        line = (
            f"{match.receiver}\tgroup_wait={_duration(timing.group_wait)} "
            f"group_interval={_duration(timing.group_interval)} repeat_interval={_duration(timing.repeat_interval)}"
        )
        if match.escalation is not None:
            line += f" escalation={match.escalation.receiver} after {_duration(match.escalation.after)}"
        print(line)
    if args.verify is not None:
        expected = [name.strip() for name in args.verify.split(",") if name.strip()]
        reached = [match.receiver for match in found]
        if reached != expected:
            print(f"expected {','.join(expected)}, reached {','.join(reached)}", file=sys.stderr)
            return 1
    return 0


def _duration(value: Any) -> str:
    seconds = int(value.total_seconds())
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    return "".join(f"{n}{unit}" for n, unit in parts if n) or "0s"


def _run(args: argparse.Namespace) -> int:
    from vigie.notifier.routes_config import load_routes
    from vigie.notifier.service import NotifierService
    from vigie.notifier.settings import NotifierSettings, missing_secrets
    from vigie.runtime.logs import configure_logging, secret_values
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
    configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
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


def _api(method: str, url: str, path: str, body: Any = None) -> dict[str, Any]:
    """Call the running notifier's API with the token from ``VIGIE_NOTIFIER_API_TOKEN``; every failure
    (no token, nothing listening, not the notifier, an error answer) ends the command with one line."""
    import httpx

    token = os.environ.get("VIGIE_NOTIFIER_API_TOKEN")
    if not token:
        raise SystemExit("vigie notifier: set VIGIE_NOTIFIER_API_TOKEN to the token the notifier API was started with")
    headers = {"Authorization": f"Bearer {token}"}
    try:
        response = httpx.request(method, url.rstrip("/") + path, json=body, headers=headers, timeout=10)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        reason = "no notifier running there?" if isinstance(exc, httpx.ConnectError) else type(exc).__name__
        raise SystemExit(f"vigie notifier: cannot reach {url}: {reason}") from None
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400:
        error = data.get("error", data) if isinstance(data, dict) else response.text[:200]
        raise SystemExit(f"vigie notifier: {response.status_code}: {error}")
    if not isinstance(data, dict):
        raise SystemExit(f"vigie notifier: {url} answered, but not as the notifier API (not a JSON object)")
    return data


def _field(data: dict[str, Any], url: str, *path: str) -> Any:
    """``data[path[0]][path[1]]...``, or end the command with one line when the answer lacks it."""
    value: Any = data
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise SystemExit(f"vigie notifier: {url} answered, but not as the notifier API (no {'.'.join(path)})")
        value = value[key]
    return value


def _incidents(args: argparse.Namespace) -> int:
    print(json.dumps(_api("GET", args.url, "/api/v1/incidents"), indent=2, ensure_ascii=False))
    return 0


def _silence_add(args: argparse.Namespace) -> int:
    body = {"matchers": args.matcher, "duration": args.duration, "comment": args.comment, "created_by": args.author}
    silence = _api("POST", args.url, "/api/v1/silences", body)
    print(_field(silence, args.url, "id"))
    return 0


def _silence_list(args: argparse.Namespace) -> int:
    silences = _field(_api("GET", args.url, "/api/v1/silences"), args.url, "silences")
    try:
        for silence in silences:
            matchers = ",".join(silence["matchers"])
            print(f"{silence['id']}\t{silence['state']}\t{silence['ends_at']}\t{matchers}\t{silence['comment']}")
    except (KeyError, TypeError):
        raise SystemExit(f"vigie notifier: {args.url} answered, but not as the notifier API") from None
    return 0


def _silence_expire(args: argparse.Namespace) -> int:
    silence = _api("DELETE", args.url, f"/api/v1/silences/{args.silence_id}")
    print(f"{_field(silence, args.url, 'id')} expired at {_field(silence, args.url, 'ends_at')}")
    return 0
