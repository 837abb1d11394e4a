"""The demo's child processes: each service runs as its own process, as in production."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


def vigie_executable() -> str:
    """The ``vigie`` script of the running environment."""
    candidate = Path(sys.executable).with_name("vigie")
    return str(candidate) if candidate.exists() else "vigie"


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
