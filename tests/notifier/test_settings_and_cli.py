"""Settings from the environment and the secrets directory (never shown), and the CLI's help and checks."""

from __future__ import annotations

import argparse
import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from vigie.notifier.commands import register
from vigie.notifier.settings import NotifierSettings


def test_secrets_come_from_the_secrets_directory_and_stay_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "vigie_notifier_smtp_password").write_text("s3cret-smtp\n", encoding="utf-8")
    monkeypatch.setenv("VIGIE_NOTIFIER_SLACK_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("VIGIE_NOTIFIER_COMMIT_INTERVAL_S", "0.5")
    settings = NotifierSettings(_secrets_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.smtp_password is not None and settings.smtp_password.get_secret_value() == "s3cret-smtp"
    assert settings.slack_token is not None and settings.slack_token.get_secret_value() == "xoxb-from-env"
    assert settings.commit_interval_s == 0.5
    assert "s3cret" not in repr(settings) and "xoxb" not in repr(settings)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="vigie")
    register(root.add_subparsers(dest="command"))
    return root


@pytest.mark.parametrize(
    "argv",
    [
        ["notifier"],
        ["notifier", "run"],
        ["notifier", "check"],
        ["notifier", "silence"],
        ["notifier", "silence", "add"],
        ["notifier", "routes"],
        ["notifier", "routes", "test"],
    ],
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([*argv, "--help"])
    assert exit_.value.code == 0
    assert "usage: vigie notifier" in capsys.readouterr().out


def test_check_reports_file_line_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = Path(__file__).parents[2] / "config" / "notifier.example.yaml"
    args = parser().parse_args(["notifier", "check", str(good)])
    assert args.func(args) == 0
    bad = tmp_path / "routes.yaml"
    bad.write_text("route: {receiver: a}\nreceivers:\n  - name: a\n    locale: de\n    teams: {url: x}\n")
    args = parser().parse_args(["notifier", "check", str(bad)])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert f"{bad}:4: receivers[0].locale:" in err and f"{bad}:5: receivers[0].teams.url:" in err


def test_missing_secrets_are_named_before_start() -> None:
    from tests.support.notifier import routes

    config = routes(
        "route: {receiver: s}\nreceivers:\n  - name: s\n    slack: {mode: bot, channel: '#c'}\n"
        "  - name: m\n    email: {to: [a@b.fr], from: v@b.fr, smtp: {host: h, username: vigie}}\n"
    )
    from vigie.notifier.settings import missing_secrets

    settings = NotifierSettings(api_token=SecretStr("a-long-enough-api-token"))
    assert missing_secrets(settings, config) == [
        "receiver 's' uses the Slack Web API: set VIGIE_NOTIFIER_SLACK_TOKEN",
        "receiver 'm' logs in to SMTP: set VIGIE_NOTIFIER_SMTP_PASSWORD",
    ]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_no_notifier_running_is_one_line_and_a_failure() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    vigie = Path(sys.executable).parent / "vigie"
    env = {**os.environ, "VIGIE_NOTIFIER_API_TOKEN": "t" * 32}
    done = subprocess.run(
        [str(vigie), "notifier", "silence", "add", "-m", "territory_id=nice", "--url", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"vigie notifier: cannot reach {url}: no notifier running there?"]


@pytest.mark.parametrize("argv", [["incidents"], ["silence", "list"], ["silence", "expire", "abc"]])
def test_no_notifier_running_ends_every_api_command_with_one_line(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIE_NOTIFIER_API_TOKEN", "t" * 32)
    url = f"http://127.0.0.1:{_closed_port()}"
    args = parser().parse_args(["notifier", *argv, "--url", url])
    with pytest.raises(SystemExit) as exit_:
        args.func(args)
    assert exit_.value.code == f"vigie notifier: cannot reach {url}: no notifier running there?"


class _NotTheNotifier(http.server.BaseHTTPRequestHandler):
    """Something else listens on the port: 200 with HTML, or a JSON list."""

    def _answer(self) -> None:
        body = b"[1, 2]" if self.path.endswith("silences") and self.command == "GET" else b"<html>hello</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    "argv",
    [["incidents"], ["silence", "add", "-m", "a=b"], ["silence", "list"], ["silence", "expire", "abc"]],
)
def test_an_answer_that_is_not_the_notifier_api_is_one_line(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_NOTIFIER_API_TOKEN", "t" * 32)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotTheNotifier)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        args = parser().parse_args(["notifier", *argv, "--url", url])
        with pytest.raises(SystemExit) as exit_:
            args.func(args)
    finally:
        server.shutdown()
        server.server_close()
    message = str(exit_.value.code)
    assert message.startswith(f"vigie notifier: {url} answered, but not as the notifier API") and "\n" not in message
