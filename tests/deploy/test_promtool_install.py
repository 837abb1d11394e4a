"""`make install-promtool` (part of `make install-tools`) where promtool cannot be had (no promtool, no apt-get): outside CI it says the promtool
tests will be skipped and lets `make test` go on; in CI it fails (CI must never skip them silently)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _install_tools(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not on PATH")
    bare = tmp_path / "bin"  # a PATH without promtool, apt-get or uv
    bare.mkdir(exist_ok=True)
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "PROMTOOL")}
    environment.update(PATH=str(bare), **env)
    return subprocess.run(
        [make, "--no-print-directory", "-C", str(REPO), "install-promtool", f"TOOLS={tmp_path / 'tools'}"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def test_without_apt_get_outside_ci_the_promtool_tests_are_announced_as_skipped(tmp_path: Path) -> None:
    done = _install_tools(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "the promtool tests will be SKIPPED" in done.stderr


def test_without_apt_get_in_ci_a_missing_promtool_fails(tmp_path: Path) -> None:
    done = _install_tools(tmp_path, CI="true")
    assert done.returncode != 0
    assert "CI must run the promtool tests" in done.stderr


def test_a_promtool_named_by_the_variable_is_used(tmp_path: Path) -> None:
    done = _install_tools(tmp_path, CI="true", PROMTOOL="/opt/promtool")
    assert (done.returncode, done.stderr) == (0, "")
