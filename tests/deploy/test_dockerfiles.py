"""The Dockerfile (one build target per service), checked without a Docker engine: each target is a multi-stage
uv build of one workspace package without extras, non-root, everything it copies is in the build context, and
its HEALTHCHECK command really tells a live ops server from a dead one."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import os
import re
import shlex
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


DOCKERFILE = REPO / "Dockerfile"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def _stages() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Each named stage of the Dockerfile: (the image or stage it starts FROM, its own instructions)."""
    stages: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    current: list[tuple[str, str]] | None = None
    for keyword, args in _instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "FROM":
            base, _, name = args.partition(" AS ")
            assert name, f"FROM {args}: every stage is named"
            current = []
            stages[name.strip()] = (base.strip(), current)
        elif current is not None:
            current.append((keyword, args))
    return stages


def _chain(target: str) -> tuple[str, list[tuple[str, str]]]:
    """The instructions that make the image of stage ``target`` (its parent stages' first), and the external
    image it starts from."""
    stages = _stages()
    base, own = stages[target]
    if base in stages:
        root, inherited = _chain(base)
        return root, inherited + own
    return base, own


def _image(service: str) -> list[tuple[str, str]]:
    return _chain(service)[1]


def _env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in instructions:
        if keyword == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def _dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_one_target_per_service() -> None:
    stages = _stages()
    assert [name for name in stages if not name.startswith(("build", "runtime"))] == list(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_multi_stage_uv_build_of_one_package_without_extras(service: str) -> None:
    root, image = _chain(service)
    assert root == "${PYTHON_IMAGE}", "the image starts from the slim base, not from the build stage"
    copies = [args for keyword, args in image if keyword == "COPY"]
    assert copies == [f"--from=build-{service} /opt/vigie /opt/vigie"], "the image holds its own environment only"
    _build_root, build = _chain(f"build-{service}")
    syncs = [args for keyword, args in build if keyword == "RUN" and "uv sync " in args]
    assert len(syncs) == 1, syncs
    sync = syncs[0].split()
    assert {"--locked", "--no-dev", "--no-editable"} <= set(sync)
    assert sync[sync.index("--package") + 1] == f"vigie-{service}"
    assert not {"--extra", "--all-extras", "--all-packages"} & set(sync), "the image installs no extra"


@pytest.mark.parametrize("service", SERVICES)
def test_runs_as_an_unprivileged_user(service: str) -> None:
    image = _image(service)
    users = [args for keyword, args in image if keyword == "USER"]
    assert users, "no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000, "USER must be a numeric non-root uid (runAsNonRoot can verify it)"
    assert [args for keyword, args in image if keyword == "ENTRYPOINT"] == ['["vigie"]']


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_serves_its_ops_port_on_every_interface(service: str) -> None:
    env = _env(_image(service))
    assert env["VIGIE_SERVICE"] == service
    assert env[f"VIGIE_{service.upper()}_HTTP_HOST"] == "0.0.0.0"
    assert env[f"VIGIE_{service.upper()}_HTTP_PORT"] == "8080"
    assert ("EXPOSE", "8080") in _image(service)
    other = {f"VIGIE_{s.upper()}_HTTP_PORT" for s in SERVICES if s != service}
    assert not other & set(env), "a target sets another service's settings"
    commands = [json.loads(args) for keyword, args in _image(service) if keyword == "CMD"]
    assert commands and commands[-1][:2] == [service, "run"]


def test_everything_copied_is_in_the_build_context() -> None:
    ignored = _dockerignore()
    copies = [args for keyword, args in _instructions(DOCKERFILE.read_text(encoding="utf-8")) if keyword == "COPY"]
    assert any(not args.startswith("--from") for args in copies)
    for args in copies:
        if args.startswith("--from"):
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
        assert ("COPY", ". .") in _chain(f"build-{service}")[1], service


def _healthcheck_command(service: str) -> list[str]:
    for keyword, args in _image(service):
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
    image_env = _env(_image(service))
    assert image_env[port_variable] == "8080"

    def run(port: int) -> int:
        env = {**os.environ, "VIGIE_SERVICE": image_env["VIGIE_SERVICE"], port_variable: str(port)}
        return subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=30).returncode

    assert run(ops_server) == 0
    assert run(free_port()) != 0
