"""`vigie demo` end to end: separate processes, a real broker, SMTP and Slack stand-ins, checked outputs."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vigie.demo.processes import DEMO_MAX_FUTURE_SKEW_S
from vigie.demo.scenario import CRISIS_START, as_replay_record, generate

VIGIE = str(Path(sys.executable).with_name("vigie"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours counts as gone
        waited, _ = os.waitpid(pid, os.WNOHANG)
        return waited == 0
    except ChildProcessError:
        return True


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    output = tmp_path_factory.mktemp("demo-output")
    result = subprocess.run(
        [VIGIE, "demo", "--output", str(output), "--timeout", "110"],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "COLUMNS": "120"},
    )
    return result, output


def test_demo_exits_zero_and_keeps_every_promise(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, output = demo_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads((output / "summary.json").read_text(encoding="utf-8"))
    assert summary["problems"] == []
    incidents = summary["incidents"]
    assert [k for k in incidents if k.startswith("saint-malo:")], incidents
    assert not [k for k in incidents if k.startswith("lyon:")], "the festival must not raise a crisis"
    assert all(steps[0] == "raised" and steps[-1] == "resolved" for steps in incidents.values())
    assert summary["counts"]["vigie.mentions.scored.v1"] == summary["counts"]["vigie.mentions.raw.v1"]
    assert "RAISED" in result.stdout and "Saint-Malo" in result.stdout


def test_demo_writes_emails_with_chart_and_threading(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, output = demo_run
    emls = sorted(output.glob("email-*.eml"))
    assert len(emls) >= 2
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in emls]
    first = messages[0]
    assert "Saint-Malo" in str(first["Subject"])
    assert all(m["In-Reply-To"] == first["Message-ID"] for m in messages[1:] if "Saint-Malo" in str(m["Subject"]))
    for path in emls:
        html = path.with_suffix(".html")
        assert html.exists()
        pngs = list(output.glob(path.stem + "-chart-*.png"))
        assert pngs and pngs[0].read_bytes().startswith(b"\x89PNG")
        assert pngs[0].name in html.read_text(encoding="utf-8"), "inline chart rewritten to the file beside it"


def test_demo_records_slack_thread(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, output = demo_run
    requests = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(output.glob("slack-*.json"))]
    posts = [r for r in requests if r["endpoint"].endswith("chat.postMessage")]
    assert posts and "thread_ts" not in posts[0]["body"]
    assert all("thread_ts" in r["body"] for r in posts[1:]), "updates and resolution are threaded"
    assert not any(r["endpoint"].endswith("chat.update") for r in requests), "the first message keeps its evidence"
    assert posts[-1]["body"].get("reply_broadcast") is True, "the resolution is told in the channel too"
    assert any(b["type"] == "actions" for b in posts[0]["body"]["blocks"]), "buttons: open, acknowledge, silence"


def test_demo_keeps_the_acknowledged_incident_page(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, output = demo_run
    page = (output / "incident-page.html").read_text(encoding="utf-8")
    assert "Pris en charge par" in page and "Campagne de copier-coller" in page
    assert (output / "incident-page-chart.png").read_bytes().startswith(b"\x89PNG")


def test_backtest_of_what_the_collector_emitted_equals_the_live_alerts(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """PRODUCT.md: replaying the day offline produces exactly the alerts the services produced live."""
    _, output = demo_run
    result = subprocess.run(
        [
            VIGIE,
            "backtest",
            "--territories",
            str(output / "config" / "territories.yaml"),
            "--max-future-skew-s",
            str(DEMO_MAX_FUTURE_SKEW_S),
            str(output / "raw-mentions.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    offline = sorted(json.loads(line)["event_id"] for line in result.stdout.splitlines())
    live_lines = (output / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    live = sorted(json.loads(line)["event_id"] for line in live_lines)
    assert offline and offline == live
    by_id = {json.loads(line)["event_id"]: json.loads(line) for line in live_lines}
    for line in result.stdout.splitlines():
        event = json.loads(line)
        assert event == by_id[event["event_id"]]


def test_scenario_is_deterministic_and_in_replay_format() -> None:
    first, second = generate(), generate()
    assert first == second
    record = as_replay_record(first[0])
    assert {"id", "published_at", "text", "author", "source"} <= set(record)
    crisis = [p for p in first if p.published_at >= CRISIS_START and "Sillon" in p.text]
    assert len(crisis) > 50


def test_ctrl_c_stops_every_process_it_started(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [VIGIE, "demo", "--output", str(tmp_path), "--timeout", "110"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    for line in process.stdout:
        if "replaying the scenario" in line or time.monotonic() > deadline:
            break
    pids = json.loads((tmp_path / "logs" / "pids.json").read_text(encoding="utf-8"))
    pids["broker"] = int((tmp_path / "logs" / "broker.pid").read_text(encoding="utf-8"))
    assert all(_alive(pid) for name, pid in pids.items() if name != "collector")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) != 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids.values()):
        time.sleep(0.1)
    assert [name for name, pid in pids.items() if _alive(pid)] == []
