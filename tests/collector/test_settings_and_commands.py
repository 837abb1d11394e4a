"""Configuration (sources file, environment, mounted secrets), the commands' help, and SIGTERM."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from vigie.collector.commands import register
from vigie.collector.settings import CollectorSettings, load_sources
from vigie.schemas import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_example_sources_file_loads() -> None:
    config = load_sources(ROOT / "config" / "collector.example.yaml")
    assert config.rss[0].per_territory and "{query}" in config.rss[0].url
    assert config.mastodon[0].hashtags_from_territories
    assert config.bluesky is not None and config.reddit is not None


def test_sources_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("version: 1\nrss:\n  - url: https://a.example/feed\n    interval_s: -5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert f"{path}:4: rss[0].interval_s:" in str(caught.value)


def test_settings_from_environment_and_mounted_secrets(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "vigie_collector_webhook_token").write_text("from-a-mounted-file")
    monkeypatch.setenv("VIGIE_COLLECTOR_PSEUDONYMISATION_KEY", "a-key-of-at-least-16")
    monkeypatch.setenv("VIGIE_COLLECTOR_DEDUP_CAPACITY", "5000")
    settings = CollectorSettings(_secrets_dir=tmp_path)
    assert settings.webhook_token is not None
    assert settings.webhook_token.get_secret_value() == "from-a-mounted-file"
    assert settings.dedup_capacity == 5000
    assert "from-a-mounted-file" not in repr(settings) and "a-key-of-at-least-16" not in repr(settings)


@pytest.mark.parametrize("command", [[], ["run"], ["replay"], ["match"]])
def test_every_command_has_help(command: list[str], capsys) -> None:
    parser = argparse.ArgumentParser(prog="vigie")
    register(parser.add_subparsers())
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["collector", *command, "--help"])
    assert exited.value.code == 0
    assert "usage: vigie collector" in capsys.readouterr().out


def test_match_command_prints_territories_and_terms(capsys) -> None:
    parser = argparse.ArgumentParser(prog="vigie")
    register(parser.add_subparsers())
    territories = str(ROOT / "config" / "territories.example.yaml")
    texts = ["Bouchons à St-Malo", "nice day"]
    args = parser.parse_args(["collector", "match", "--json", "--territories", territories, *texts])
    assert args.func(args) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["territories"] == {"saint-malo": ["St-Malo"]} and second["outcome"] == "rejected"
    [nice] = second["explanation"]
    assert nice["occurrences"][0]["reason"] == "inside the exclusion 'nice day' ('nice day' at 0-8)"


def test_match_command_says_why_in_words(capsys) -> None:
    parser = argparse.ArgumentParser(prog="vigie")
    register(parser.add_subparsers())
    territories = str(ROOT / "config" / "territories.example.yaml")
    text = "Very nice weather in Nice today, the beach is lovely"
    args = parser.parse_args(["collector", "match", "--territories", territories, text])
    assert args.func(args) == 0
    assert capsys.readouterr().out.splitlines() == [
        text,
        "  matched: nice",
        "  nice: matched",
        "    - 'nice' (alias 'Nice') at 5-9: inside the exclusion 'very nice' ('Very nice' at 0-9)",
        "    + 'Nice' (alias 'Nice') at 21-25: counts",
        "    exclusion 'very nice' at 0-9: removed 1 occurrence(s)",
    ]


@pytest.mark.broker
def test_sigterm_stops_the_service_gracefully(kafka, tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text("version: 1\nwebhook:\n  enabled: true\n", encoding="utf-8")
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "VIGIE_COLLECTOR_WEBHOOK_TOKEN": "sigterm-token-1",
        "VIGIE_COLLECTOR_HTTP_PORT": str(_free_port()),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vigie.collector",
            "run",
            "--config",
            str(sources),
            "--territories",
            str(ROOT / "config" / "territories.example.yaml"),
            "--state-dir",
            str(tmp_path / "state"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{env['VIGIE_COLLECTOR_HTTP_PORT']}"
    try:
        for _ in range(600):  # up to 30 s: the machine is shared
            try:
                if httpx.get(f"{url}/readyz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.05)
        mention = {"id": "1", "text": "Tempête sur St-Malo", "published_at": "2026-11-27T07:00:00Z"}
        answer = httpx.post(f"{url}/v1/mentions", json=mention, headers={"Authorization": "Bearer sigterm-token-1"})
        assert answer.status_code == 202
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "collector stopped" in stderr and "sigterm-token-1" not in stderr
    assert "webhook:webhook:1" in (tmp_path / "state" / "dedup.jsonl").read_text()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_invalid_secret_settings_are_reported_without_the_value(monkeypatch, capsys) -> None:
    monkeypatch.setenv("VIGIE_COLLECTOR_PSEUDONYMISATION_KEY", "tooshort-secret")
    parser = argparse.ArgumentParser(prog="vigie")
    register(parser.add_subparsers())
    args = parser.parse_args(["collector", "run"])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert "VIGIE_COLLECTOR_PSEUDONYMISATION_KEY" in err and "16 characters" in err
    assert "tooshort-secret" not in err
