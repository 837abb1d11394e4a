"""CPU-bound work off the event loop: in a worker process (services) or a thread (tests, small deployments).

Drawing a chart or a digest's email is tens to hundreds of milliseconds of pure-Python CPU that holds the GIL:
run on the event loop it would delay every other delivery. A :class:`ProcessWorker` runs it in processes
started with ``spawn`` (safe next to the Kafka client's threads) and tied to the parent's life: a service
killed with SIGKILL leaves no worker behind. A :class:`ThreadWorker` runs it in a thread, under a lock when
the library it calls is not thread-safe (matplotlib). Work that must not queue behind other work gets a
worker of its own (the notifier's alert charts and its digests).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar

T = TypeVar("T")


class Worker(Protocol):
    """Runs a function without blocking the event loop. With a process worker, the function and its
    arguments must be picklable (module-level functions, plain data)."""

    async def run(self, function: Callable[..., T], *args: object) -> T: ...

    async def warm_up(self, function: Callable[[], object]) -> None:
        """Start the worker and run ``function`` there (imports) before the first real job needs it."""
        ...

    def close(self) -> None: ...


class ThreadWorker:
    """Runs each call in a thread of the default executor, holding ``lock`` when given."""

    def __init__(self, lock: threading.Lock | None = None) -> None:
        self._lock = lock

    async def run(self, function: Callable[..., T], *args: object) -> T:
        if self._lock is None:
            return await asyncio.to_thread(function, *args)
        return await asyncio.to_thread(_locked, self._lock, function, *args)

    async def warm_up(self, function: Callable[[], object]) -> None:
        await self.run(function)

    def close(self) -> None:
        """Nothing to stop: the threads belong to the event loop's default executor."""


def _locked(lock: threading.Lock, function: Callable[..., T], *args: object) -> T:
    with lock:
        return function(*args)


class ProcessWorker:
    """``processes`` spawned worker processes, killed with this one."""

    def __init__(self, processes: int = 1) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent
        )

    async def run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, function, *args)

    async def warm_up(self, function: Callable[[], object]) -> None:
        await self.run(function)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def die_with_parent() -> None:  # pragma: no cover - runs in the worker
    """Worker initializer: the kernel kills this process when its parent dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
