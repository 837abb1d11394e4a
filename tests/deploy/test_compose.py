"""docker-compose.yml, checked without a Docker engine: the Compose specification accepts it, images are
pinned, start-up order follows health, the services run as issue 7 says, and the one-shot topic container's
script creates every registry topic on a real (embedded) broker."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from vigie.runtime.embedded_broker import EmbeddedBroker
from vigie.schemas import TOPICS

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
VIGIE_SERVICES = {
    "collector": ["collector", "run", "--config", "/etc/vigie/collector.yaml"],
    "classifier": ["classifier", "run", "--territories", "/etc/vigie/territories.yaml"],
    "notifier": ["notifier", "run", "--routes", "/etc/vigie/notifier.yaml"],
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def _check_compose_spec(check_jsonschema: Path, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(check_jsonschema), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_follows_the_compose_specification(check_jsonschema: Path) -> None:
    """check-jsonschema ships the Compose specification's schema: no network needed."""
    proc = _check_compose_spec(check_jsonschema, COMPOSE)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_compose_specification_check_rejects_a_mistake(check_jsonschema: Path, tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text(encoding="utf-8").replace("    healthcheck:\n", "    healthchek:\n", 1))
    proc = _check_compose_spec(check_jsonschema, broken)
    assert proc.returncode != 0
    assert "healthchek" in proc.stdout + proc.stderr


def test_every_pulled_image_is_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert re.match(r"^v?\d+\.\d+", tag), f"{name}: {image} is not pinned to a version"
    assert compose["services"]["kafka"]["image"].startswith("apache/kafka:")


def test_kafka_runs_in_kraft_mode_without_auto_created_topics(compose: dict[str, Any]) -> None:
    env = compose["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "ZOOKEEPER" not in " ".join(env)
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]


def _healthcheck_defined(service: dict[str, Any]) -> bool:
    if "healthcheck" in service:
        return True
    build = service.get("build")
    if isinstance(build, dict):
        dockerfile = REPO / build.get("context", ".") / build["dockerfile"]
        return "\nHEALTHCHECK " in dockerfile.read_text(encoding="utf-8")
    return False


def test_start_up_waits_for_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert _healthcheck_defined(services[dependency]), f"{dependency} has no healthcheck"
    assert services["topics"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert services["prometheus"]["healthcheck"] and services["grafana"]["depends_on"]["prometheus"]


def test_vigie_services_run_as_issue_7_says(compose: dict[str, Any]) -> None:
    for name, command in VIGIE_SERVICES.items():
        service = compose["services"][name]
        assert service["command"] == command, name
        assert service["build"] == {"context": ".", "dockerfile": "Dockerfile", "target": name}
        assert f"\nFROM runtime AS {name}\n" in (REPO / "Dockerfile").read_text(encoding="utf-8")
        env = service["environment"]
        upper = name.upper()
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env[f"VIGIE_{upper}_HTTP_HOST"] == "0.0.0.0"
        assert env[f"VIGIE_{upper}_HTTP_PORT"] == "8080"
        assert service["depends_on"]["topics"] == {"condition": "service_completed_successfully"}
        assert _healthcheck_defined(service)
        mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in service["volumes"]}
        for argument in command:
            if argument.startswith("/etc/vigie/"):
                assert mounted[argument].startswith("./"), f"{name}: {argument} is not mounted from the repository"
                assert (REPO / mounted[argument]).is_file(), f"{name}: {mounted[argument]} does not exist"
        assert all(volume.endswith(":ro") for volume in service["volumes"] if volume.startswith("./"))
        assert service["read_only"] is True
    assert compose["services"]["notifier"]["depends_on"]["mailpit"] == {"condition": "service_healthy"}
    from vigie.notifier.routes_config import load_routes

    routes_file = next(v.split(":")[0] for v in compose["services"]["notifier"]["volumes"] if "notifier.yaml" in v)
    smtp = [r.email.smtp for r in load_routes(REPO / routes_file).receivers if r.email is not None]
    assert smtp and all((s.host, s.port) == ("mailpit", 1025) for s in smtp), "compose emails go to Mailpit"


def test_the_notifier_api_token_is_required_not_defaulted(compose: dict[str, Any]) -> None:
    """No shared default token: Compose refuses to start without VIGIE_NOTIFIER_API_TOKEN (``${VAR:?msg}``)."""
    env = compose["services"]["notifier"]["environment"]
    assert re.fullmatch(r"\$\{VIGIE_NOTIFIER_API_TOKEN:\?[^}]+\}", env["VIGIE_NOTIFIER_API_TOKEN"])
    assert "change-me-api-token" not in COMPOSE.read_text(encoding="utf-8")
    from vigie.notifier.settings import NotifierSettings, allowed_api_hosts

    hosts = allowed_api_hosts(NotifierSettings(api_allowed_hosts=env["VIGIE_NOTIFIER_API_ALLOWED_HOSTS"]))
    assert {"notifier", "localhost"} <= hosts


def test_kafbat_ui_is_only_in_the_tools_profile(compose: dict[str, Any]) -> None:
    profiled = {name for name, service in compose["services"].items() if service.get("profiles")}
    assert profiled == {"kafka-ui"}
    assert compose["services"]["kafka-ui"]["profiles"] == ["tools"]
    assert compose["services"]["kafka-ui"]["image"].startswith("ghcr.io/kafbat/kafka-ui:")


def test_bind_mounts_of_the_repository_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{name}: {source} does not exist"


def test_configuration_files_mounted_into_the_services_load(compose: dict[str, Any]) -> None:
    """Each file mounted in /etc/vigie passes the loader of the service that reads it."""
    from vigie.collector.settings import load_sources
    from vigie.notifier.routes_config import load_routes
    from vigie.schemas.territory import load_territories

    loaders = {"territories.yaml": load_territories, "collector.yaml": load_sources, "notifier.yaml": load_routes}
    seen = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if target.startswith("/etc/vigie/"):
                loaders[Path(target).name](REPO / source)
                seen.add(Path(target).name)
    assert seen == set(loaders)
    env = compose["services"]["collector"]["environment"]
    assert env["VIGIE_COLLECTOR_TERRITORIES_FILE"] == "/etc/vigie/territories.yaml"


def _topics_script(compose: dict[str, Any]) -> str:
    service = compose["services"]["topics"]
    assert service["entrypoint"] == ["python", "-c"]
    [script] = service["command"]
    return str(script)


async def _describe(bootstrap_servers: str) -> dict[str, int]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(list(TOPICS))
    finally:
        await admin.close()
    return {topic["topic"]: len(topic["partitions"]) for topic in described if topic["error_code"] == 0}


@pytest.mark.broker
def test_topics_container_creates_every_registry_topic_once(compose: dict[str, Any]) -> None:
    """The one-shot container's script, run as the container runs it, against a broker with no topics."""
    script = _topics_script(compose)
    with EmbeddedBroker(topics=[]) as broker:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers}
        first = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=90, env=env, check=False
        )
        assert first.returncode == 0, first.stderr
        assert all(name in first.stdout for name in TOPICS)
        partitions = asyncio.run(_describe(broker.bootstrap_servers))
        assert partitions == {name: spec.partitions for name, spec in TOPICS.items()}

        again = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=90, env=env, check=False
        )
        assert again.returncode == 0, again.stderr
        assert "none (all exist)" in again.stdout
