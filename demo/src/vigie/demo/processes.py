"""The demo's child processes: each service runs as its own process, as in production."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx


def vigie_executable() -> str:
    """The ``vigie`` script of the running environment."""
    candidate = Path(sys.executable).with_name("vigie")
    return str(candidate) if candidate.exists() else "vigie"


class ServiceNotReadyError(RuntimeError):
    """A child service exited or did not answer ``/readyz`` in time; the message carries its log's tail."""


#: The scenario's day (6 December 2026) is replayed now, whatever now is: its mentions may be published after
#: the collector stamps them, and detection counts a mention at its own date only within this skew of its
#: collection (``vigie backtest --max-future-skew-s`` of the demo's output needs the same).
DEMO_MAX_FUTURE_SKEW_S = 366 * 86400


def embedded_broker_env(bootstrap_servers: str, state_dir: Path, slack_token: str) -> dict[str, str]:
    """Environment of the services on the embedded broker: short group timeouts and the Tansu workaround
    (BROKER.md), a Slack token for the stand-in, state directories under ``state_dir``."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
        "VIGIE_CLASSIFIER_TANSU_COMPAT": "true",
        "VIGIE_CLASSIFIER_BROKER_SESSION_TIMEOUT_S": "2",
        "VIGIE_CLASSIFIER_BROKER_HEARTBEAT_INTERVAL_S": "0.5",
        "VIGIE_CLASSIFIER_MAX_FUTURE_SKEW_S": str(DEMO_MAX_FUTURE_SKEW_S),
        "VIGIE_KAFKA_SESSION_TIMEOUT_MS": "2000",
        "VIGIE_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        "VIGIE_NOTIFIER_SLACK_TOKEN": slack_token,
        # The notifier's API needs a token: a fresh random one per run, never a shared default.
        "VIGIE_NOTIFIER_API_TOKEN": secrets.token_urlsafe(32),
        "VIGIE_NOTIFIER_STATE_DIR": str(state_dir / "notifier-state"),
        "VIGIE_COLLECTOR_STATE_DIR": str(state_dir / "collector-state"),
    }


@dataclass
class ServiceProcesses:
    """Starts, watches and stops the demo's children; logs go to ``<logdir>/<name>.log``."""

    logdir: Path
    env: dict[str, str]
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)

    def start(self, name: str, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        self.logdir.mkdir(parents=True, exist_ok=True)
        log = (self.logdir / f"{name}.log").open("ab")
        self._logs.append(log)
        process = subprocess.Popen(
            [vigie_executable(), *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env, **(extra_env or {})},
            start_new_session=True,  # Ctrl-C reaches the demo, which stops the children in order
        )
        self.children[name] = process
        pids = {child: p.pid for child, p in self.children.items()}
        (self.logdir / "pids.json").write_text(json.dumps(pids), encoding="utf-8")
        return process

    async def wait_ready(self, name: str, port: int, timeout_s: float) -> None:
        """Wait until the child ``name`` answers 200 on ``/readyz``; raise :class:`ServiceNotReadyError`."""
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if name in self.crashed():
                    raise ServiceNotReadyError(f"the {name} exited at start-up:\n{self.log_tail(name)}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise ServiceNotReadyError(f"the {name} was not ready within {timeout_s:.0f}s:\n{self.log_tail(name)}")

    def crashed(self) -> list[str]:
        """Names of children that exited with an error."""
        return [name for name, p in self.children.items() if p.poll() not in (None, 0)]

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.logdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop_all(self, timeout_s: float = 10.0) -> None:
        """SIGTERM every child (graceful shutdown), then SIGKILL what is left."""
        for process in self.children.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        for process in self.children.values():
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self._logs:
            log.close()
        self._logs.clear()
