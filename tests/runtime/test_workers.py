"""Work off the event loop: a thread worker holds its lock around each call, a process worker runs calls in
another process (spawned) and stops with ``close``."""

from __future__ import annotations

import asyncio
import os
import threading

from vigie.runtime.workers import ProcessWorker, ThreadWorker


def _lock_is_held(lock: threading.Lock) -> bool:
    return lock.locked()


async def test_a_thread_worker_runs_off_the_loop_under_its_lock() -> None:
    lock = threading.Lock()
    worker = ThreadWorker(lock)
    loop_thread = threading.get_ident()
    assert await worker.run(threading.get_ident) != loop_thread
    assert await worker.run(_lock_is_held, lock) is True
    assert not lock.locked()
    assert await ThreadWorker().run(_lock_is_held, lock) is False


async def test_a_process_worker_runs_in_another_process_and_keeps_the_loop_free() -> None:
    worker = ProcessWorker()
    try:
        await worker.warm_up(os.getpid)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(tick())
        pid = await worker.run(os.getpid)
        ticker.cancel()
        assert pid != os.getpid()
        assert ticks > 0  # the loop ran while the worker answered
    finally:
        worker.close()
