"""A collector process for the kill -9 test: the configured account sources, the real pipeline and state
directory, and a "broker" that is a file (one acknowledged record per line, fsynced before the ack).

Usage: ``python account_sources_child.py SETUP.json`` with ``{"state_dir", "sink", "sources", "settings"}``."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry

from vigie.collector.dedup import Deduplicator
from vigie.collector.matching import TerritoryMatcher
from vigie.collector.metrics import CollectorMetrics
from vigie.collector.pipeline import MentionPipeline
from vigie.collector.runner import SourceRunner
from vigie.collector.service import build_sources
from vigie.collector.settings import CollectorSettings, SourcesConfig
from vigie.collector.state import StateStore
from vigie.runtime.clock import SystemClock
from vigie.schemas import MENTIONS_RAW, EncodedRecord, load_territories

TERRITORIES = Path(__file__).resolve().parents[3] / "config" / "territories.example.yaml"


class FileSink:
    def __init__(self, path: Path) -> None:
        self.handle = path.open("a", encoding="utf-8")

    async def send(self, records: Sequence[EncodedRecord]) -> None:
        lines = [json.loads(r.value)["mention_id"] + "\n" for r in records if r.topic == MENTIONS_RAW]
        self.handle.write("".join(lines))
        self.handle.flush()
        os.fsync(self.handle.fileno())


async def main(setup: dict[str, object]) -> None:
    clock = SystemClock()
    settings = CollectorSettings.model_validate({**setup["settings"], "state_dir": setup["state_dir"]})  # type: ignore[dict-item]
    territories = load_territories(TERRITORIES)
    state = StateStore(Path(str(setup["state_dir"])))
    dedup = Deduplicator(capacity=1000)
    dedup.commit(state.load_dedup(1000))
    metrics = CollectorMetrics(CollectorRegistry())
    sink = FileSink(Path(str(setup["sink"])))
    pipeline = MentionPipeline(TerritoryMatcher(territories), sink, metrics, clock, dedup=dedup, state=state)
    config = SourcesConfig.model_validate(setup["sources"])
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        sources = build_sources(config, territories, settings, client, clock)
        runners = [SourceRunner(s, pipeline, metrics, clock, state=state) for s in sources]
        print("started", [s.name for s in sources], flush=True)
        await asyncio.gather(*(r.run(asyncio.Event()) for r in runners))


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text())))
