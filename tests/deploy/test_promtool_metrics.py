"""`promtool check metrics` finds nothing to say of what any service exports (Prometheus naming conventions:
units in names, seconds not milliseconds, ``_total`` only on counters), faust's metrics in the classifier included."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
from faust.types import TP
from prometheus_client import CollectorRegistry, generate_latest

from vigie.classifier.service.faust_sensor import batched_prometheus_monitor

SERVICES = ["collector", "classifier", "notifier"]


def _check(promtool: Path, exposition: bytes) -> str:
    proc = subprocess.run(
        [str(promtool), "check", "metrics"], input=exposition, capture_output=True, timeout=60, check=False
    )
    return (proc.stdout + proc.stderr).decode("utf-8", errors="replace").strip()


@pytest.mark.parametrize("service", SERVICES)
def test_service_metrics_follow_prometheus_conventions(service: str, promtool: Path, metrics_classes: Any) -> None:
    module_name, class_name = metrics_classes[service]
    registry = CollectorRegistry()
    getattr(importlib.import_module(module_name), class_name)(registry)
    assert _check(promtool, generate_latest(registry)) == ""


def test_faust_metrics_follow_prometheus_conventions(promtool: Path) -> None:
    registry = CollectorRegistry()
    monitor = batched_prometheus_monitor(registry, "vigie_classifier_faust")
    tp = TP("vigie.mentions.raw.v1", 0)
    monitor.on_message_in(tp, 3, None)
    monitor.track_tp_end_offset(tp, 10)
    monitor._metrics.producer_send_latency.observe(12.0)  # faust observes milliseconds
    exposition = generate_latest(registry)
    assert b"vigie_classifier_faust_producer_send_seconds_sum 0.012" in exposition
    assert _check(promtool, exposition) == ""
