"""The one `vigie` command: every declared subcommand loads and answers --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vigie.runtime.cli import build_parser, command_entry_points

VIGIE = str(Path(sys.executable).with_name("vigie"))
NAMES = [entry.name for entry in command_entry_points()]


def test_every_declared_command_loads() -> None:
    build_parser(strict=True)
    assert {"broker", "classify", "detect-series", "backtest", "demo", "collector", "classifier", "notifier"} <= set(
        NAMES
    )


@pytest.mark.parametrize("name", NAMES)
def test_help_everywhere(name: str) -> None:
    result = subprocess.run([VIGIE, name, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"usage: vigie {name}" in result.stdout
    assert "unavailable" not in result.stderr


def test_no_command_prints_usage_and_fails() -> None:
    result = subprocess.run([VIGIE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "COMMAND" in result.stdout


def test_a_command_loads_only_its_own_package() -> None:
    """`vigie notifier ...` must not import the classifier (numpy, its models): services start faster."""
    probe = (
        "import sys\n"
        "from vigie.runtime.cli import main\n"
        "try:\n"
        "    main(['notifier', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('vigie.classifier', 'numpy', 'vigie.runtime.topics'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage: vigie notifier" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
