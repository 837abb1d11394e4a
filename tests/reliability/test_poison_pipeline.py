"""Poison records on every topic and on the webhook, with every service running as its own process.

The harness is ``benchmarks/fuzz_pipeline.py`` (which runs 100,000 records as a benchmark); here a few hundred
records of every hostile kind, then a kill -9 and restart of every service. What a user relies on: no service
crashes or crash-loops, every valid record around the poison comes out the other end (mentions scored, alerts
delivered, webhook mentions on the raw topic), every poison record is dead-lettered with a reason, and the
webhook answers 4xx (never 5xx, never 2xx) to a poison body.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def _harness() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz_pipeline.py"
    spec = importlib.util.spec_from_file_location("fuzz_pipeline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_poison_on_every_topic_stops_nothing_and_loses_nothing(tmp_path: Path) -> None:
    harness = _harness()
    report = asyncio.run(harness.run_fuzz(360, seed=7, settle_timeout_s=90))
    harness.print_report(report)
    kinds = set(report.kinds)
    assert {"deep-array", "huge-int", "lone-surrogate", "tombstone", "not-json"} <= kinds, kinds
    assert report.crashes == []
    assert sorted(report.restarted) == ["classifier", "collector", "notifier"]
    assert report.lost_raw == [] and report.lost_alerts == [] and report.lost_webhook == []
    assert report.missing_dead_letters() == {}
    assert report.excess_dead_letters() == {}
    assert report.poison_through == []
    assert report.webhook_5xx == 0 and report.webhook_poison_accepted == 0
