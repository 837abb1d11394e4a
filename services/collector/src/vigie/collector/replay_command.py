"""The replay command's engine: one file into the broker, with a rich progress bar and a summary."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections import deque
from pathlib import Path

from prometheus_client import CollectorRegistry
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from vigie.collector.errors import SinkError
from vigie.collector.kafka_sink import KafkaRecordSink
from vigie.collector.matching import TerritoryMatcher
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import BatchReport, MentionPipeline
from vigie.collector.pseudonym import Pseudonymiser
from vigie.collector.settings import CollectorSettings
from vigie.collector.sources.replay import ReplaySource
from vigie.collector.state import StateStore
from vigie.runtime.clock import SystemClock
from vigie.schemas import TerritoryConfig

#: Batches produced concurrently: matching the next batch overlaps the acknowledgement of the previous ones.
MAX_IN_FLIGHT = 3


async def replay_file(
    path: Path,
    territories: TerritoryConfig,
    *,
    speed: float | None,
    bootstrap_servers: str | None = None,
    state_dir: Path | None = None,
    batch_size: int = 500,
    progress: bool = True,
) -> int:
    """Replay ``path``; 0 on success, 1 if the broker failed. SIGINT/SIGTERM stop after the current batch.

    Authors are pseudonymised when ``VIGIE_COLLECTOR_PSEUDONYMISATION_KEY`` is set, as in the service.
    """
    settings = CollectorSettings()
    sink = KafkaRecordSink(bootstrap_servers or settings.kafka.bootstrap_servers, linger_ms=settings.producer_linger_ms)
    console = Console(stderr=True)
    try:
        await sink.start()
    except SinkError as exc:
        console.print(f"[red]{exc}[/red]")
        return 1
    state = StateStore(state_dir) if state_dir is not None else None
    if state is not None:
        state.load_dedup(settings.dedup_capacity)
    metrics = CollectorMetrics(CollectorRegistry())
    clock = SystemClock()
    key = settings.pseudonymisation_key
    pseudonymiser = Pseudonymiser(key.get_secret_value().encode("utf-8")) if key is not None else None
    pipeline = MentionPipeline(
        TerritoryMatcher(territories),
        sink,
        metrics,
        clock,
        state=state,
        pseudonymiser=pseudonymiser,
        event_time=settings.event_time_bounds(replay=True),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    bar = Progress(
        TextColumn("[bold]replay[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:,.0f} lines/s"),
        TimeRemainingColumn(),
        console=console,
        disable=not progress,
    )
    bar_task = bar.add_task(path.name, total=None, rate=0.0)
    started = time.perf_counter()
    totals = {"emitted": 0, "items": 0, "unmatched": 0, "duplicates": 0, "deadlettered": 0}

    def on_progress(done: int, total: int) -> None:
        bar.update(bar_task, completed=done, total=total, rate=done / max(time.perf_counter() - started, 1e-9))

    source = ReplaySource(path, clock, speed=speed, batch_size=batch_size, on_progress=on_progress)
    if state is not None:
        source.restore(state.load_cursor(source.name))
    code = 0
    in_flight: deque[tuple[int, asyncio.Task[BatchReport]]] = deque()

    async def settle_oldest() -> None:
        items, oldest = in_flight.popleft()
        report = await oldest
        totals["items"] += items
        totals["emitted"] += report.emitted
        totals["unmatched"] += report.unmatched
        totals["duplicates"] += report.duplicates
        totals["deadlettered"] += report.deadlettered

    with bar:
        try:
            async for batch in source.batches():
                previous = in_flight[-1][1] if in_flight else None
                processing = asyncio.create_task(pipeline.process(batch, source_name=source.name, after=previous))
                in_flight.append((len(batch.items), processing))
                while len(in_flight) >= MAX_IN_FLIGHT:
                    await settle_oldest()
                if stop.is_set():
                    console.print("interrupted: cursor saved after the last acknowledged batch")
                    break
            while in_flight:
                await settle_oldest()
        except SinkError as exc:
            console.print(f"[red]broker failure: {exc}[/red]")
            code = 1
        finally:
            for _, pending in in_flight:
                pending.cancel()
            await asyncio.gather(*(pending for _, pending in in_flight), return_exceptions=True)
            await sink.stop()
            if state is not None:
                state.close()
    elapsed = time.perf_counter() - started
    print(
        f"replayed {totals['items']} mentions from {path.name} in {elapsed:.2f}s "
        f"({totals['items'] / max(elapsed, 1e-9):,.0f} mentions/s): {totals['emitted']} records emitted, "
        f"{totals['unmatched']} unmatched, {totals['duplicates']} duplicates, {totals['deadlettered']} dead-lettered",
        file=sys.stderr,
    )
    return code
