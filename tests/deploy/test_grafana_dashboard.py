"""The Grafana dashboard: it parses, shows what issue 7 asks for, every query is valid PromQL and selects only
metrics the services export, and the compose provisioning finds it and its datasource."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "vigie.json"
#: Grafana's own variables allowed in queries, and what promtool sees instead.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def _dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def _panels() -> list[dict[str, Any]]:
    return [panel for panel in _dashboard()["panels"] if panel["type"] != "row"]


def _queries() -> list[tuple[str, str]]:
    """(panel title, PromQL expression) of every target."""
    return [(panel["title"], target["expr"]) for panel in _panels() for target in panel["targets"]]


def test_dashboard_is_a_grafana_dashboard_with_unique_panel_ids() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] == "vigie-overview"
    assert dashboard["title"] == "Vigie"
    assert isinstance(dashboard["schemaVersion"], int)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in _panels():
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}, panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        assert panel["targets"], f"{panel['title']}: no query"
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]


def test_dashboard_shows_what_operators_need() -> None:
    """The panels issue 7 lists, each by the metric it must chart."""
    expressions = "\n".join(expr for _, expr in _queries())
    for metric in (
        "vigie_collector_mentions_total",  # mentions/s by source
        "vigie_classifier_mentions_scored_total",  # sentiment mix
        "vigie_classifier_open_incidents",  # open incidents by territory and severity
        "vigie_classifier_alert_latency_seconds_bucket",  # alert latency
        "vigie_classifier_consumer_lag",  # consumer lag
        "vigie_notifier_consumer_lag",
        "vigie_notifier_notifications_total",  # notification outcomes
        "vigie_collector_deadletters_total",  # dead letters
        "vigie_classifier_deadletters_total",
        "vigie_notifier_deadletters_total",
    ):
        assert metric in expressions, metric
    titles = {panel["title"] for panel in _panels()}
    assert {"Mentions/s by source", "Sentiment mix", "Open incidents by territory and severity"} <= titles
    assert {"Alert latency", "Consumer lag", "Notification outcomes", "Dead letters/s"} <= titles


def test_every_query_is_valid_promql(promtool: Path, tmp_path: Path) -> None:
    """promtool parses each query as a recording rule (Grafana variables replaced by durations)."""
    rules = []
    for index, (title, expr) in enumerate(_queries()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"{title}: unknown Grafana variable in {expr!r}"
        rules.append({"record": f"vigie:dashboard:query_{index}", "expr": expr})
    rule_file = tmp_path / "dashboard.rules.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8")
    proc = subprocess.run(
        [str(promtool), "check", "rules", str(rule_file)], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_provisioning_loads_the_dashboard_with_its_default_datasource() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    [prometheus] = datasources["datasources"]
    variable = next(v for v in _dashboard()["templating"]["list"] if v["name"] == "datasource")
    assert variable["type"] == "datasource"
    assert variable["query"] == prometheus["type"] == "prometheus"
    assert variable["current"]["value"] == prometheus["uid"]
    assert prometheus["url"] == "http://prometheus:9090"

    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "vigie.yml").read_text())["providers"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{providers[0]['options']['path']}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
