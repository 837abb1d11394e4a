"""``python -m vigie.collector ...``: the ``vigie collector`` commands without loading the other packages."""

from __future__ import annotations

import argparse
import sys

from vigie.collector.commands import register


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vigie.collector")
    register(parser.add_subparsers())
    args = parser.parse_args(["collector", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
