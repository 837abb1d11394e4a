"""The per-service Dockerfiles, checked without a Docker engine: multi-stage uv builds of one workspace package,
non-root, everything they copy is in the build context, and their HEALTHCHECK command really tells a live
ops server from a dead one."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from vigie.runtime.embedded_broker import free_port
from vigie.runtime.health import OpsServer, build_app

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("collector", "classifier", "notifier")


def _dockerfile(service: str) -> str:
    return (REPO / "services" / service / "Dockerfile").read_text(encoding="utf-8")


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def _dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("service", SERVICES)
def test_multi_stage_uv_build_of_one_package(service: str) -> None:
    instructions = _instructions(_dockerfile(service))
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(stages) >= 2
    assert stages[0].endswith(" AS build")
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    syncs = [run for run in runs if "uv sync " in run]
    assert syncs, "no uv sync"
    for sync in syncs:
        assert "--locked" in sync and "--no-dev" in sync and f"--package vigie-{service}" in sync
    assert any("--no-editable" in sync for sync in syncs)
    assert ("COPY", "--from=build /opt/vigie /opt/vigie") in instructions


@pytest.mark.parametrize("service", SERVICES)
def test_runs_as_an_unprivileged_user(service: str) -> None:
    instructions = _instructions(_dockerfile(service))
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users, "no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000, "USER must be a numeric non-root uid (runAsNonRoot can verify it)"
    assert ("ENTRYPOINT", '["vigie"]') in instructions


@pytest.mark.parametrize("service", SERVICES)
def test_everything_copied_is_in_the_build_context(service: str) -> None:
    ignored = _dockerignore()
    for keyword, args in _instructions(_dockerfile(service)):
        if keyword != "COPY" or args.startswith("--from"):
            continue
        *sources, _destination = args.split()
        for source in sources:
            path = source.rstrip("/")
            assert (REPO / path).exists(), f"COPY {source}: not in the repository"
            top = path.split("/")[0]
            assert not any(fnmatch.fnmatch(top, pattern) for pattern in ignored), f"{source} is in .dockerignore"


def test_every_workspace_member_is_in_the_build_context() -> None:
    """uv reads the whole workspace to honour the lock: no member may be left out of the context."""
    import tomllib

    members = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]["workspace"]["members"]
    ignored = _dockerignore()
    for member in members:
        assert (REPO / member / "pyproject.toml").is_file(), member
        parts = Path(member).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        assert not any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes for pattern in ignored), member
    for service in SERVICES:
        assert ("COPY", ". .") in _instructions(_dockerfile(service)), service


def _healthcheck_command(service: str) -> list[str]:
    for keyword, args in _instructions(_dockerfile(service)):
        if keyword == "HEALTHCHECK":
            exec_form = args[args.index("CMD") + len("CMD") :].strip()
            command: list[str] = json.loads(exec_form)
            return command
    raise AssertionError("no HEALTHCHECK")


@pytest.fixture
def ops_server() -> Iterator[int]:
    """A real ops server (the runtime's /healthz /readyz /metrics) on a loopback port, in its own loop."""
    import threading

    loop = asyncio.new_event_loop()
    server = OpsServer(build_app(CollectorRegistry(), lambda: None), host="127.0.0.1", port=0)
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    yield server.port
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.mark.parametrize("service", SERVICES)
def test_healthcheck_passes_on_a_live_server_and_fails_on_a_dead_port(service: str, ops_server: int) -> None:
    command = _healthcheck_command(service)
    assert command[0] == "python"
    port_variable = f"VIGIE_{service.upper()}_HTTP_PORT"
    assert f"{port_variable}=8080" in _dockerfile(service)

    def run(port: int) -> int:
        env = {**os.environ, port_variable: str(port)}
        return subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=30).returncode

    assert run(ops_server) == 0
    assert run(free_port()) != 0
