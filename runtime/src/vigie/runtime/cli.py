"""The ``vigie`` command. Each workspace package registers its subcommands through the
``vigie.commands`` entry-point group: a function ``register(subparsers)`` that adds its parser(s) and sets
``func`` (taking the parsed arguments, returning an exit code) as the default.

A package whose commands fail to load is reported on stderr and the others keep working; the test suite
checks that every declared command loads.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, entry_points
from typing import Any

Register = Callable[[Any], None]


def command_entry_points() -> list[EntryPoint]:
    return sorted(entry_points(group="vigie.commands"), key=lambda e: e.name)


def build_parser(strict: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigie",
        description="Vigie: e-reputation crisis alerting for territories.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for entry in command_entry_points():
        try:
            register: Register = entry.load()
        except Exception as exc:
            if strict:
                raise
            print(f"vigie: command {entry.name!r} is unavailable: {exc}", file=sys.stderr)
            continue
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        code = func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
