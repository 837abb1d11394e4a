"""The ``vigie`` command. Each workspace package registers its subcommands through the
``vigie.commands`` entry-point group: a function ``register(subparsers)`` that adds its parser(s) and sets
``func`` (taking the parsed arguments, returning an exit code) as the default.

A package whose commands fail to load is reported on stderr and the others keep working; the test suite
checks that every declared command loads. ``vigie COMMAND ...`` loads only the entry point named COMMAND (each
registers the subcommand of its name): a service then starts without importing every other package's
commands (the classifier's models, the broker's admin client).
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


def build_parser(strict: bool = False, only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the command ``only`` alone when an entry point has that name."""
    parser = argparse.ArgumentParser(
        prog="vigie",
        description="Vigie: e-reputation crisis alerting for territories.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    entries = command_entry_points()
    if any(entry.name == only for entry in entries):
        entries = [entry for entry in entries if entry.name == only]
    for entry in entries:
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
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
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
