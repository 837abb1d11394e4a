"""The dashboard and the alert rules chart and alert on metrics that exist: every metric name their PromQL
selects is registered by a service's ``<Service>Metrics(registry)`` (or is Prometheus' own ``up``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "deploy" / "prometheus" / "rules" / "vigie.rules.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "vigie.json"


def _alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def _queries() -> list[tuple[str, str]]:
    """(panel title, PromQL expression) of every dashboard target."""
    panels = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    return [(panel["title"], target["expr"]) for panel in panels for target in panel.get("targets", [])]


def test_every_service_exports_metrics(exported_metrics: dict[str, set[str]]) -> None:
    for service in ("collector", "classifier", "notifier"):
        assert any(name.startswith(f"vigie_{service}_") for name in exported_metrics[service]), service


def test_rules_select_only_metrics_the_services_export(
    exported_metrics: dict[str, set[str]], metric_names_in: Any
) -> None:
    known = set().union(*exported_metrics.values())
    for rule in _alert_rules():
        names = metric_names_in(rule["expr"])
        assert names, f"{rule['alert']}: no metric in {rule['expr']!r}"
        assert names <= known, f"{rule['alert']}: not exported by any service: {sorted(names - known)}"


def test_every_query_selects_only_metrics_the_services_export(
    exported_metrics: dict[str, set[str]], metric_names_in: Any
) -> None:
    known = set().union(*exported_metrics.values())
    for title, expr in _queries():
        names = metric_names_in(expr)
        assert names, f"{title}: no metric in {expr!r}"
        assert names <= known, f"{title}: not exported by any service: {sorted(names - known)}"


def test_metric_name_reader_sees_what_a_query_selects(metric_names_in: Any) -> None:
    expr = (
        "histogram_quantile(0.99, sum by (le, integration) (rate(vigie_notifier_delivery_latency_seconds_bucket"
        '{integration=~"slack|email", job="x"}[$__rate_interval] offset 1h))) / on(job) group_left(instance) '
        "up > bool 1e3 or time() - vigie_collector_last_success_timestamp_seconds"
    )
    assert metric_names_in(expr) == {
        "vigie_notifier_delivery_latency_seconds_bucket",
        "up",
        "vigie_collector_last_success_timestamp_seconds",
    }
