"""Routes files that would silently misbehave are refused by `vigie notifier check` with file, line and field:
timings without a lower bound, matchers or `continue` on the root route, a mapping matcher read as a regex."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.support.notifier import email_receiver, make_alert, routes
from vigie.notifier.commands import register
from vigie.notifier.matchers import Matcher
from vigie.notifier.routing import route_alert, route_labels

RECEIVERS = "receivers:\n" + email_receiver("a", 25) + email_receiver("b", 25)


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, Path]:
    path = tmp_path / "routes.yaml"
    path.write_text(text, encoding="utf-8")
    root = argparse.ArgumentParser(prog="vigie")
    register(root.add_subparsers(dest="command"))
    args = root.parse_args(["notifier", "check", str(path)])
    code = args.func(args)
    captured = capsys.readouterr()
    return code, captured.err, path


@pytest.mark.parametrize(
    ("route", "line", "field", "reason"),
    [
        ("  repeat_interval: 0s\n", 3, "route.repeat_interval", "at least 1m"),
        ("  repeat_interval: 59s\n", 3, "route.repeat_interval", "at least 1m"),
        ("  group_interval: 0s\n", 3, "route.group_interval", "at least 1s"),
        ("  group_wait: -30\n", 3, "route.group_wait", "at least 0s"),
        (
            "  routes:\n    - receiver: b\n      repeat_interval: 0\n",
            5,
            "route.routes[0].repeat_interval",
            "at least 1m",
        ),
        ("  escalation: {receiver: b, after: -5}\n", 3, "route.escalation.after", "at least 0s"),
        ("  matchers: ['team=x']\n", 3, "route.matchers", "cannot have matchers"),
        ("  matchers: {team: x}\n", 3, "route.matchers", "cannot have matchers"),
        ("  continue: true\n", 3, "route.continue", "cannot have continue"),
    ],
)
def test_check_rejects_with_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], route: str, line: int, field: str, reason: str
) -> None:
    code, err, path = check(tmp_path, "route:\n  receiver: a\n" + route + RECEIVERS, capsys)
    assert code == 1
    assert f"{path}:{line}: {field}: " in err and reason in err


def test_the_least_timings_are_accepted() -> None:
    config = routes(
        "route:\n  receiver: a\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1m\n" + RECEIVERS
    )
    assert config.route.group_wait is not None and not config.route.group_wait


def test_a_mapping_matcher_is_an_equality_on_the_literal_value() -> None:
    config = routes(
        "route:\n  receiver: a\n  routes:\n    - matchers: {code: '~x', territory: 'Saint Malo, \"Intra\"'}\n"
        "      receiver: b\n" + RECEIVERS
    )
    assert config.route.routes[0].matchers == (
        Matcher("code", "=", "~x"),
        Matcher("territory", "=", 'Saint Malo, "Intra"'),
    )
    assert [m.receiver for m in route_labels(config, {"code": "x"})] == ["a"]
    assert [m.receiver for m in route_labels(config, {"code": "~x", "territory": 'Saint Malo, "Intra"'})] == ["b"]


def test_a_line_of_matchers_is_several_matchers() -> None:
    config = routes(
        'route:\n  receiver: a\n  routes:\n    - matchers: [\'owner="team-A",env="x"\']\n      receiver: b\n'
        + RECEIVERS
    )
    assert [m.receiver for m in route_labels(config, {"owner": "team-A", "env": "x"})] == ["b"]


def test_an_escaped_quote_is_unescaped() -> None:
    config = routes(
        'route:\n  receiver: a\n  routes:\n    - matchers: [\'q="say \\"hi\\""\']\n      receiver: b\n' + RECEIVERS
    )
    assert config.route.routes[0].matchers == (Matcher("q", "=", 'say "hi"'),)


def test_a_receiver_reached_by_two_routes_is_notified_once_first_route_wins() -> None:
    """Deliberate (documented in the notifier README and the example config): one notification per
    receiver, with the timing of the first route reaching it in tree order."""
    config = routes(
        "route:\n  receiver: a\n  routes:\n"
        "    - matchers: ['severity=~major|critical']\n      receiver: b\n      continue: true\n"
        "      group_wait: 5s\n"
        "    - matchers: ['territory_id=saint-malo']\n      receiver: b\n      group_wait: 1m\n" + RECEIVERS
    )
    found = route_alert(config, make_alert(severity="critical"))
    assert [m.receiver for m in found] == ["b"]
    assert found[0].timing.group_wait.total_seconds() == 5
