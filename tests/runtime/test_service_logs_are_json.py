"""Every line a service writes is a JSON log line (log format json): nothing else reaches stdout or stderr,
not even a terminal escape (faust's start-up spinner printed ``\\b\\x1b[?25h`` before the first line)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from vigie.runtime.embedded_broker import free_port

REPO = Path(__file__).resolve().parents[2]


def _non_json_lines(text: str) -> list[str]:
    bad = []
    for line in text.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        if not isinstance(parsed, dict):
            bad.append(line)
    return bad


@pytest.mark.timeout(120)
def test_classifier_worker_writes_only_json_lines(kafka: object, tmp_path: Path, unique: str) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,  # type: ignore[attr-defined]
        "VIGIE_CLASSIFIER_APP_ID": f"logs-{unique}",
        "VIGIE_CLASSIFIER_HTTP_PORT": str(port),
        "VIGIE_CLASSIFIER_TANSU_COMPAT": "1",
        "VIGIE_CLASSIFIER_ROLE": "detection",
        "VIGIE_CLASSIFIER_LOG_FORMAT": "json",
        "VIGIE_CLASSIFIER_BROKER_SESSION_TIMEOUT_S": "2",
        "VIGIE_CLASSIFIER_BROKER_HEARTBEAT_INTERVAL_S": "0.5",
    }
    stdout_path, stderr_path = tmp_path / "stdout", tmp_path / "stderr"
    territories = REPO / "config" / "territories.example.yaml"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "vigie.runtime.cli", "classifier", "run", "--territories", str(territories)],
            env=environment,
            stdout=stdout,
            stderr=stderr,
            cwd=REPO,
        )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    stderr_text = stderr_path.read_text(encoding="utf-8", errors="replace")
    stdout_text = stdout_path.read_text(encoding="utf-8", errors="replace")
    assert "classifier worker starting" in stderr_text
    assert _non_json_lines(stderr_text) == []
    assert _non_json_lines(stdout_text) == []
