"""`vigie demo` end to end: separate processes, a real broker, SMTP and Slack stand-ins, checked outputs."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
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
    assert "Saint-Malo" in str(messages[0]["Subject"])
    for recipient in {str(m["To"]) for m in messages}:  # one thread per receiver (French comms, English desk)
        first, *rest = [m for m in messages if str(m["To"]) == recipient]
        assert first["In-Reply-To"] is None and all(m["In-Reply-To"] == first["Message-ID"] for m in rest)
    for path in emls:
        html = path.with_suffix(".html")
        assert html.exists()
        pngs = list(output.glob(path.stem + "-chart-*.png"))
        assert pngs and pngs[0].read_bytes().startswith(b"\x89PNG")
        assert pngs[0].name in html.read_text(encoding="utf-8"), "inline chart rewritten to the file beside it"


def _emails_to(output: Path, address: str) -> list[email.message.EmailMessage]:
    messages = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(output.glob("email-*.eml"))
    ]
    return [m for m in messages if m["To"] == address]  # type: ignore[misc]


def _text(message: email.message.EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_demo_emails_keep_the_goals_of_issue_17(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """The Saint-Malo thread names what happened (fioul or hydrocarbures from the first message, #plagefermée and
    the copy-paste campaign); every message has one subject, the link to the incident page and the chart
    inline; the resolution contradicts nothing; French and English read as their readers write."""
    _, output = demo_run
    french = _emails_to(output, "communication@saint-malo.demo")
    english = _emails_to(output, "watch-desk@vigie.demo")
    assert len(french) >= 2 and len(english) >= 2
    for thread in (french, english):
        assert len({m["Subject"] for m in thread}) == 1, "one subject per incident"
        for message in thread:
            assert "/incidents/saint-malo%3Anegative_surge%3A" in _text(message), "every message links to the page"
            html = message.get_body(("html",))
            assert html is not None and "/incidents/saint-malo%3Anegative_surge%3A" in str(html.get_content())
            [chart] = [p for p in message.walk() if p.get_content_type() == "image/png"]
            assert str(chart["Content-Disposition"]).startswith("inline")
            assert f"cid:{str(chart['Content-ID']).strip('<>')}" in str(html.get_content())
    texts = [_text(m) for m in french]
    assert "fioul" in texts[0] or "hydrocarbures" in texts[0], "the first message says what happened"
    assert any("#plagefermée" in t for t in texts) and any("Campagne de copier-coller" in t for t in texts)
    resolution = texts[-1]
    assert (
        resolution.startswith("RÉSOLU") and "#plagefermée" in resolution and "Campagne de copier-coller" in resolution
    )
    # Nothing contradicts "back to normal": no current ratio, no current severity, no acknowledgement to give.
    assert "fois la normale" not in resolution and "\nGravité\u00a0:" not in resolution
    assert "Au plus fort\u00a0: CRITIQUE" in resolution and "accuser réception" not in resolution
    for text in texts:  # French typography in our words (posts are quoted as written)
        assert "Fuseau horaire\u00a0: heure de Paris" in text and "Gravité maximale\u00a0:" in text
        assert "Gravité :" not in text and "CET" not in text and "×" not in text
        assert re.search(r"portée \d{1,3}(\u202f\d{3})+\b", text), "thousands as French readers write them"
    english_texts = [_text(m) for m in english]
    assert english_texts[-1].startswith("RESOLVED") and "At its worst: CRITICAL" in english_texts[-1]
    for text in english_texts:
        assert "Time zone: London time" in text and "\u00a0:" not in text
        assert re.search(r"reach \d{1,3}(,\d{3})+\b", text)


def test_demo_records_slack_thread(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, output = demo_run
    requests = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(output.glob("slack-*.json"))]
    every_post = [r for r in requests if r["endpoint"].endswith("chat.postMessage")]
    posts = [r for r in every_post if "blocks" in r["body"]]  # the notifications
    notes = [r for r in every_post if "blocks" not in r["body"]]  # what people did, told in the thread
    assert posts and "thread_ts" not in posts[0]["body"]
    assert all("thread_ts" in r["body"] for r in posts[1:]), "updates and resolution are threaded"
    assert not any(r["endpoint"].endswith("chat.update") for r in requests), "the first message keeps its evidence"
    assert posts[-1]["body"].get("reply_broadcast") is True, "the resolution is told in the channel too"
    assert any(b["type"] == "actions" for b in posts[0]["body"]["blocks"]), "buttons: open, acknowledge, silence"
    for post in posts:  # every message, the resolution included, opens the incident page
        [actions] = [b for b in post["body"]["blocks"] if b["type"] == "actions"]
        assert "/incidents/saint-malo%3Anegative_surge%3A" in actions["elements"][0]["url"]
    assert any(r["endpoint"].endswith("files.completeUploadExternal") for r in requests), "the chart in the thread"
    assert len({b["text"]["text"] for p in posts for b in p["body"]["blocks"] if b["type"] == "header"}) == 1
    # The demo acknowledges on the incident page: the thread is told who took the incident.
    [note] = notes
    assert note["body"]["text"].startswith("Pris en charge par Camille (cellule de crise) le ")
    assert note["body"]["thread_ts"] == posts[1]["body"]["thread_ts"]


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


def _interruptible() -> None:
    """In the child: SIGINT as a terminal's foreground process has it (a suite started in the background by a
    shell without job control inherits SIGINT ignored, and so would the demo)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_every_process_it_started(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [VIGIE, "demo", "--output", str(tmp_path), "--timeout", "110"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_interruptible,
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
