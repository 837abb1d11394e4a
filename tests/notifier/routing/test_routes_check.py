"""`vigie notifier check` warns about matchers that can never match (with file, line, field and the labels
that exist), and `vigie notifier routes test LABEL=VALUE...` prints the receivers an alert would reach."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.support.notifier import email_receiver
from vigie.notifier.commands import register

ROOT = Path(__file__).parents[3]
TERRITORIES = ROOT / "config" / "territories.example.yaml"
EXAMPLE = ROOT / "config" / "notifier.example.yaml"

DEAD = (
    "route:\n"
    "  receiver: a\n"
    "  routes:\n"
    "    - matchers: ['teams=comms-saint-malo']\n"
    "      receiver: b\n"
    "    - matchers: ['region==paca']\n"
    "      receiver: b\n"
    "    - matchers: ['severity=critcal']\n"
    "      receiver: b\n"
    "    - matchers: ['region=~bretagne|paca', 'severity!=warning', 'nowhere!=x']\n"
    "      receiver: b\n"
    "receivers:\n"
    + email_receiver("a", 25)
    + email_receiver("b", 25, extra="    digest: {period: day, territories: [atlantis], matchers: ['period=month']}\n")
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    root = argparse.ArgumentParser(prog="vigie")
    register(root.add_subparsers(dest="command"))
    args = root.parse_args(["notifier", *argv])
    code = args.func(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_warns_about_matchers_that_never_match(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(DEAD, encoding="utf-8")
    code, out, err = run(["check", str(path), "--territories", str(TERRITORIES)], capsys)
    assert code == 0 and out.strip() == f"{path}: 2 receivers: ok (6 warnings)"
    warnings = err.strip().splitlines()
    assert warnings[0] == (
        f"{path}:4: route.routes[0].matchers: warning: no alert carries the label 'teams': teams=comms-saint-malo "
        "never matches (labels: kind, region, severity, team, territory, territory_id, transition)"
    )
    assert f"{path}:6: route.routes[1].matchers: warning: matcher region==paca compares with '=paca'" in err
    assert f"{path}:8: route.routes[2].matchers: warning: severity=critcal never matches: severity is one of" in err
    assert f"{path}:10: route.routes[3].matchers: warning: no alert carries the label 'nowhere'" in err
    assert "region=~bretagne|paca" not in err and "severity!=warning" not in err
    assert f"{path}:23: receivers[1].digest.territories: warning: no territory has the id 'atlantis'" in err
    assert "period=month never matches: period is one of day, week" in err
    code, _, _ = run(["check", str(path), "--territories", str(TERRITORIES), "--strict"], capsys)
    assert code == 1


def test_without_territories_the_labels_it_cannot_judge_are_named_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(DEAD, encoding="utf-8")
    code, out, err = run(["check", str(path)], capsys)
    assert code == 0 and "(3 warnings)" in out
    assert f"{path}: note: matchers on nowhere, region, teams: not labels of every alert" in err
    assert "pass --territories FILE" in err


def test_the_example_routes_have_no_warning(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["check", str(EXAMPLE), "--territories", str(TERRITORIES)], capsys)
    assert (code, err) == (0, "") and out.endswith(": ok\n")


def test_routes_test_prints_the_receivers_with_their_timing(capsys: pytest.CaptureFixture[str]) -> None:
    labels = ["territory_id=saint-malo", "team=comms-saint-malo", "severity=critical"]
    code, out, _ = run(["routes", "test", "--routes", str(EXAMPLE), *labels], capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["comms-saint-malo"]
    assert "escalation=direction-saint-malo after 30m" in lines[0]
    code, out, _ = run(["routes", "test", "--routes", str(EXAMPLE), "territory_id=atlantis"], capsys)
    assert (code, out.split("\t")[0]) == (0, "ops-fr")
    code, out, _ = run(["routes", "test", "--routes", str(EXAMPLE), "region=paca", "severity=critical"], capsys)
    assert [line.split("\t")[0] for line in out.strip().splitlines()] == ["comms-paca-teams", "comms-paca-slack"]
    assert "group_interval=10m" in out


def test_routes_test_verify_and_bad_labels(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["routes", "test", "--routes", str(EXAMPLE), "team=comms-saint-malo"]
    assert run([*argv, "--verify", "comms-saint-malo"], capsys)[0] == 0
    code, _, err = run([*argv, "--verify", "ops-fr"], capsys)
    assert code == 1 and "expected ops-fr, reached comms-saint-malo" in err
    code, _, err = run(["routes", "test", "--routes", str(EXAMPLE), "severity=~major"], capsys)
    assert code == 2 and "a label is LABEL=VALUE" in err
