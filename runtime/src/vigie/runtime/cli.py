"""The ``vigie`` command. Each workspace package registers its subcommands through the
``vigie.commands`` entry-point group: a function ``register(subparsers)`` that adds its parsers and sets
``func`` (returning an exit code) as the default. Packages are imported only when listed, so ``vigie --help``
stays fast and one broken package never hides the others' commands.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

Register = Callable[[Any], None]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigie",
        description="Vigie: e-reputation crisis alerting for territories.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for entry in sorted(entry_points(group="vigie.commands"), key=lambda e: e.name):
        register: Register = entry.load()
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
