"""The routes file: the tree, inheritance, continue, and errors that name file, line and field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.notifier import email_receiver, make_alert, routes
from vigie.notifier.routes_config import load_routes
from vigie.notifier.routing import route_alert
from vigie.schemas import ConfigError

TREE = (
    "route:\n"
    "  receiver: default\n"
    "  group_wait: 10s\n"
    "  routes:\n"
    "    - matchers: ['team=comms-saint-malo']\n"
    "      receiver: malo\n"
    "      continue: true\n"
    "      group_interval: 1m\n"
    "      escalation: {receiver: boss, after: 30m}\n"
    "      routes:\n"
    "        - matchers: {severity: critical}\n"
    "          receiver: malo-critical\n"
    "    - matchers: ['region=~bretagne|normandie']\n"
    "      receiver: region\n"
    "    - matchers: ['severity!=warning']\n"
    "      receiver: never-reached-after-region\n"
    "receivers:\n"
    + "".join(
        email_receiver(n, 25)
        for n in ("default", "malo", "malo-critical", "boss", "region", "never-reached-after-region")
    )
)


def test_tree_continue_and_inheritance() -> None:
    config = routes(TREE)
    matches = route_alert(config, make_alert(severity="major"))
    assert [m.receiver for m in matches] == ["malo", "region"]
    malo = matches[0]
    assert malo.timing.group_wait == timedelta(seconds=10)  # inherited from the root
    assert malo.timing.group_interval == timedelta(minutes=1)  # its own
    assert malo.escalation is not None and malo.escalation.receiver == "boss"
    critical = route_alert(config, make_alert(severity="critical"))
    assert [m.receiver for m in critical] == ["malo-critical", "region"]
    assert critical[0].escalation is not None  # inherited from its parent
    other = route_alert(config, make_alert(territory_id="nice", labels={"region": "paca"}, severity="warning"))
    assert [m.receiver for m in other] == ["default"]


def test_example_file_is_valid() -> None:
    config = load_routes(Path(__file__).parents[3] / "config" / "notifier.example.yaml")
    assert {r.locale for r in config.receivers} == {"fr", "en"}
    assert any(r.quiet_hours for r in config.receivers)
    assert {r.digest.period for r in config.digest_receivers() if r.digest} == {"day", "week"}


def test_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(
        "route:\n  receiver: default\n  group_wait: soon\n"
        "receivers:\n  - name: default\n    timezone: Mars/Olympus\n"
        "    email: {to: [x@example.org], from: v@example.org, smtp: {host: h}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_routes(path)
    text = str(error.value)
    assert f"{path}:3: route.group_wait: Value error, invalid duration 'soon'" in text
    assert f"{path}:6: receivers[0].timezone: Value error, unknown time zone 'Mars/Olympus'" in text


def test_unknown_receiver_and_bad_matcher_are_rejected() -> None:
    with pytest.raises(ConfigError, match="unknown receiver 'ghost'"):
        routes("route:\n  receiver: a\n  routes: [{receiver: ghost}]\nreceivers:\n" + email_receiver("a", 25))
    with pytest.raises(ConfigError, match="invalid matcher"):
        routes(
            "route:\n  receiver: a\n  routes: [{receiver: a, matchers: ['sev']}]\nreceivers:\n"
            + email_receiver("a", 25)
        )
    with pytest.raises(ConfigError, match="exactly one of"):
        routes("route:\n  receiver: a\nreceivers:\n  - name: a\n")
