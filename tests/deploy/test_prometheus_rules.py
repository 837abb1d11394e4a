"""The alert rules and the scrape config: promtool accepts them, the unit tests pass, every alert is tested,
documented and runbooked, and the rules select only metrics the services export."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "deploy" / "prometheus"
RULES = PROMETHEUS / "rules" / "vigie.rules.yml"
RULES_TESTS = PROMETHEUS / "rules" / "vigie.rules.test.yml"
#: What issue 7 asks the rules to watch: consumer lag, stale source, notification failure ratio, dead-letter
#: rate, service down.
REQUIRED_ALERTS = {
    "VigieConsumerLagHigh",
    "VigieSourceStale",
    "VigieNotificationFailureRatioHigh",
    "VigieDeadLettersHigh",
    "VigieServiceDown",
}


def _alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def _promtool(promtool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(promtool), *args], capture_output=True, text=True, timeout=60, check=False, cwd=RULES.parent
    )


def test_promtool_accepts_the_rules(promtool: Path) -> None:
    proc = _promtool(promtool, "check", "rules", str(RULES))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_rules_unit_tests_pass(promtool: Path) -> None:
    proc = _promtool(promtool, "test", "rules", str(RULES_TESTS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_promtool_test_rules_can_fail(promtool: Path, tmp_path: Path) -> None:
    """The unit tests have teeth: the same tests against a rule with a doubled threshold fail."""
    broken = RULES.read_text(encoding="utf-8").replace("> 10000", "> 20000")
    assert broken != RULES.read_text(encoding="utf-8")
    (tmp_path / "vigie.rules.yml").write_text(broken, encoding="utf-8")
    (tmp_path / "vigie.rules.test.yml").write_text(RULES_TESTS.read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.run(
        [str(promtool), "test", "rules", "vigie.rules.test.yml"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode != 0
    assert "VigieConsumerLagHigh" in proc.stdout + proc.stderr


def test_the_alerts_the_issue_asks_for_exist() -> None:
    assert {rule["alert"] for rule in _alert_rules()} >= REQUIRED_ALERTS


def test_every_alert_is_unit_tested_firing() -> None:
    tests = yaml.safe_load(RULES_TESTS.read_text(encoding="utf-8"))["tests"]
    fired = {case["alertname"] for test in tests for case in test.get("alert_rule_test", []) if case.get("exp_alerts")}
    assert {rule["alert"] for rule in _alert_rules()} <= fired


def test_every_alert_has_summary_description_severity_and_an_existing_runbook() -> None:
    for rule in _alert_rules():
        annotations = rule.get("annotations", {})
        assert annotations.get("summary"), rule["alert"]
        assert annotations.get("description"), rule["alert"]
        assert annotations.get("runbook_url") == f"docs/runbooks/{rule['alert']}.md", rule["alert"]
        runbook = REPO / annotations["runbook_url"]
        assert runbook.is_file(), f"{rule['alert']}: missing {runbook.relative_to(REPO)}"
        assert rule["alert"] in runbook.read_text(encoding="utf-8")
        assert rule.get("labels", {}).get("severity") in {"warning", "critical"}, rule["alert"]


def test_scrape_config_is_valid_and_names_the_jobs_the_rules_use(promtool: Path) -> None:
    config = PROMETHEUS / "prometheus.yml"
    proc = _promtool(promtool, "check", "config", "--syntax-only", str(config))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    jobs = {job["job_name"]: job for job in yaml.safe_load(config.read_text(encoding="utf-8"))["scrape_configs"]}
    for service in ("collector", "classifier", "notifier"):
        targets = jobs[f"vigie-{service}"]["static_configs"][0]["targets"]
        assert targets == [f"{service}:8080"]
