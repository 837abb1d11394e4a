"""deploy/k8s, checked offline: every overlay renders with kubectl's kustomize; core objects validate with
kubernetes-validate (strict), custom resources with the schemas in deploy/schemas/; and what is rendered
agrees with the topic registry, the alert rules, the services' operational contract and the classifier's
sizing advice (a scoring and a detection Deployment, each its own consumer group, scaled on its own lag)."""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError

from vigie.schemas import MENTIONS_RAW, MENTIONS_SCORED, TOPICS, RawMention, ScoredMention
from vigie.schemas.territory import load_territories

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
SCHEMAS = REPO / "deploy" / "schemas"
OVERLAYS = ("dev", "prod")
#: The oldest Kubernetes minor the manifests support, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
SERVICES = ("collector", "classifier", "notifier")
#: Deployment -> the service it runs. The classifier runs as two Deployments, one per role (README.md,
#: "Sizing the classifier"): one process uses one core, and each role scales on its own input's partitions.
DEPLOYMENTS = {
    "vigie-collector": "collector",
    "vigie-classifier-scoring": "classifier",
    "vigie-classifier-detection": "classifier",
    "vigie-notifier": "notifier",
}
#: Classifier Deployment -> (VIGIE_CLASSIFIER_ROLE, the topic its workers consume).
CLASSIFIER_ROLES = {
    "vigie-classifier-scoring": ("scoring", MENTIONS_RAW),
    "vigie-classifier-detection": ("detection", MENTIONS_SCORED),
}

Objects = dict[str, list[dict[str, Any]]]
#: Secret keys without which a service refuses to start: never ``optional`` (the notifier's API token).
REQUIRED_SECRET_KEYS = {"notifier-api-token"}


def _of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == kind]


def _named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [found] = [obj for obj in _of_kind(objects, kind) if obj["metadata"]["name"] == name]
    return found


def _crd_schema(obj: dict[str, Any]) -> Path:
    group, _, version = obj["apiVersion"].rpartition("/")
    return SCHEMAS / f"{group}-{version}-{obj['kind']}.json"


def test_the_notifier_api_token_is_required_and_generated_in_dev(rendered: Objects) -> None:
    from vigie.notifier.settings import MIN_API_TOKEN_CHARS

    base = (K8S / "base" / "kustomization.yaml").read_text(encoding="utf-8")
    assert "Required (the pod does not start without it): notifier-api-token" in base
    for overlay in OVERLAYS:
        [container] = _named(rendered[overlay], "Deployment", "vigie-notifier")["spec"]["template"]["spec"][
            "containers"
        ]
        env = {item["name"]: item for item in container["env"]}
        ref = env["VIGIE_NOTIFIER_API_TOKEN"]["valueFrom"]["secretKeyRef"]
        assert (ref["key"], ref.get("optional")) == ("notifier-api-token", None)
        assert "vigie-notifier" in env["VIGIE_NOTIFIER_API_ALLOWED_HOSTS"]["value"].split(",")
    [secret] = [s for s in _of_kind(rendered["dev"], "Secret") if s["metadata"]["name"].startswith("vigie-secrets")]
    token = base64.b64decode(secret["data"]["notifier-api-token"]).decode()
    assert len(token) >= MIN_API_TOKEN_CHARS


def test_every_overlay_is_tested(rendered: Objects) -> None:
    assert set(rendered) == set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_objects_are_valid_kubernetes(rendered: Objects, overlay: str) -> None:
    core = [obj for obj in rendered[overlay] if "/" not in obj["apiVersion"] or obj["apiVersion"].startswith("apps/")]
    assert {obj["kind"] for obj in core} >= {"Deployment", "Service", "ServiceAccount", "ConfigMap"}
    for obj in core:
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_custom_resource_matches_its_schema(rendered: Objects, overlay: str) -> None:
    for obj in rendered[overlay]:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSIONS[-1], strict=True)
            continue
        except SchemaNotFoundError:
            pass
        schema_path = _crd_schema(obj)
        assert schema_path.is_file(), f"{obj['kind']} ({obj['apiVersion']}): no schema {schema_path.name}"
        jsonschema.validate(obj, json.loads(schema_path.read_text(encoding="utf-8")))


def test_the_validators_reject_mistakes(rendered: Objects) -> None:
    """Neither check is vacuous: a misspelt Deployment field and a misspelt KafkaTopic field both fail."""
    deployment = copy.deepcopy(_named(rendered["prod"], "Deployment", "vigie-classifier-detection"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)

    topic = copy.deepcopy(_of_kind(rendered["prod"], "KafkaTopic")[0])
    topic["spec"]["partition"] = topic["spec"].pop("partitions")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(topic, json.loads(_crd_schema(topic).read_text(encoding="utf-8")))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_kafka_topic_for_every_registry_topic(rendered: Objects, overlay: str) -> None:
    topics = {obj["spec"]["topicName"]: obj["spec"] for obj in _of_kind(rendered[overlay], "KafkaTopic")}
    assert set(topics) == set(TOPICS), "deploy/k8s/components/strimzi-topics/kafkatopics.yaml != vigie.schemas.TOPICS"
    for name, spec in TOPICS.items():
        assert topics[name]["partitions"] == spec.partitions, name
        assert topics[name]["config"]["retention.ms"] == str(spec.retention_ms), name
        assert topics[name]["config"]["cleanup.policy"] == spec.cleanup_policy, name
    replicas = {spec["replicas"] for spec in topics.values()}
    assert replicas == ({1} if overlay == "dev" else {3})


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deployments_follow_the_operational_contract(rendered: Objects, overlay: str) -> None:
    objects = rendered[overlay]
    config_maps = {obj["metadata"]["name"] for obj in _of_kind(objects, "ConfigMap")}
    secrets = {obj["metadata"]["name"] for obj in _of_kind(objects, "Secret")}
    accounts = {obj["metadata"]["name"] for obj in _of_kind(objects, "ServiceAccount")}
    assert {obj["metadata"]["name"] for obj in _of_kind(objects, "Deployment")} == set(DEPLOYMENTS)
    for name, service in DEPLOYMENTS.items():
        deployment = _named(objects, "Deployment", name)
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["args"][:2] == [service, "run"]
        assert pod["serviceAccountName"] in accounts
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        env = {item["name"]: item for item in container["env"]}
        assert env[f"VIGIE_{service.upper()}_HTTP_HOST"]["value"] == "0.0.0.0"
        assert env[f"VIGIE_{service.upper()}_HTTP_PORT"]["value"] == "8080"
        assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
        for source in container["envFrom"]:
            assert source["configMapRef"]["name"] in config_maps
        for volume in pod["volumes"]:
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps
        for item in env.values():
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                # A required key is one the service cannot start without (documented in base/kustomization.yaml);
                # every other key is optional, so a Secret without it still starts the pod.
                required = ref["key"] in REQUIRED_SECRET_KEYS
                assert ref.get("optional") is (None if required else True), f"{service}: {ref}"
                assert ref["name"] in secrets or overlay == "prod", f"{service}: {ref}"
        # The service's one metrics Service selects every Deployment of it (the classifier's two roles too).
        service_obj = _named(objects, "Service", f"vigie-{service}")
        assert service_obj["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
        assert service_obj["spec"]["ports"][0]["name"] == "http"
        assert (
            deployment["spec"]["selector"]["matchLabels"].items()
            <= deployment["spec"]["template"]["metadata"]["labels"].items()
        )
    for name in DEPLOYMENTS:
        selector = _named(objects, "Deployment", name)["spec"]["selector"]["matchLabels"].items()
        for other in set(DEPLOYMENTS) - {name}:
            labels = _named(objects, "Deployment", other)["spec"]["template"]["metadata"]["labels"].items()
            assert not selector <= labels, f"the selector of {name} also selects the pods of {other}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_meet_the_restricted_pod_security_standard_their_namespace_enforces(
    rendered: Objects, overlay: str
) -> None:
    objects = rendered[overlay]
    [namespace] = _of_kind(objects, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == namespace["metadata"]["name"], obj["metadata"]["name"]
    allowed_volumes = {"configMap", "emptyDir", "secret", "persistentVolumeClaim", "projected", "downwardAPI"}
    for deployment in _of_kind(objects, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert not any(pod.get(key) for key in ("hostNetwork", "hostPID", "hostIPC"))
        for volume in pod["volumes"]:
            assert set(volume) - {"name"} <= allowed_volumes, volume
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert not context.get("capabilities", {}).get("add")
            assert not context.get("privileged")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitor_scrapes_the_services_as_the_jobs_the_rules_expect(rendered: Objects, overlay: str) -> None:
    objects = rendered[overlay]
    [monitor] = _of_kind(objects, "ServiceMonitor")
    selector = monitor["spec"]["selector"]["matchLabels"]
    scraped = {
        obj["metadata"]["labels"][monitor["spec"]["jobLabel"]]
        for obj in _of_kind(objects, "Service")
        if selector.items() <= obj["metadata"]["labels"].items()
    }
    assert scraped == {f"vigie-{service}" for service in SERVICES}
    assert [endpoint["port"] for endpoint in monitor["spec"]["endpoints"]] == ["http"]
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prometheus_rule_is_the_rule_file(rendered: Objects, overlay: str) -> None:
    [rule] = _of_kind(rendered[overlay], "PrometheusRule")
    rules_file = yaml.safe_load((REPO / "deploy" / "prometheus" / "rules" / "vigie.rules.yml").read_text())
    assert rule["spec"]["groups"] == rules_file["groups"], "copy deploy/prometheus/rules/vigie.rules.yml again"


def _unused_scorer(mentions: Sequence[RawMention]) -> Sequence[ScoredMention]:
    raise AssertionError("never called: only the worker's topology is read")


def _classifier_worker(
    objects: list[dict[str, Any]], name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Any, Any]:
    """The settings and the faust app (not started: no broker needed) that ``vigie classifier run`` builds in a
    pod of Deployment ``name``: from the container's environment, as the worker reads it."""
    from prometheus_client import CollectorRegistry

    from vigie.classifier.app import SYSTEM_CLOCK, build_service
    from vigie.classifier.metrics import ClassifierMetrics
    from vigie.classifier.service.components import digest_options, load_detection_step
    from vigie.classifier.settings import ClassifierSettings

    [container] = _named(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"]
    environment: dict[str, str] = {}
    for source in container["envFrom"]:
        [config_map] = [
            c for c in _of_kind(objects, "ConfigMap") if c["metadata"]["name"] == source["configMapRef"]["name"]
        ]
        environment.update(config_map["data"])
    environment.update({item["name"]: item["value"] for item in container["env"] if "value" in item})
    with monkeypatch.context() as patched:
        for variable in list(os.environ):
            if variable.startswith(("VIGIE_CLASSIFIER_", "VIGIE_KAFKA_", "KAFKA_")):
                patched.delenv(variable)
        for variable, value in environment.items():
            patched.setenv(variable, value)
        patched.setenv("VIGIE_CLASSIFIER_DATA_DIR", str(tmp_path / name))
        settings = ClassifierSettings()
    territories = load_territories(K8S / "base" / "config" / "territories.yaml")
    service = build_service(
        settings,
        score=_unused_scorer,
        detection=load_detection_step(territories, SYSTEM_CLOCK.now, digests=digest_options(settings)),
        metrics=ClassifierMetrics(CollectorRegistry()),
    )
    return settings, service.app


def _consumed_topics(app: Any) -> set[str]:
    return {topic for agent in app.agents.values() for topic in agent.channel.topics}


def _cpu_cores(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_classifier_runs_as_a_scoring_and_a_detection_deployment_with_their_own_groups(
    rendered: Objects, overlay: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The sizing advice of README.md: a scoring and a detection Deployment (VIGIE_CLASSIFIER_ROLE), each with
    its own VIGIE_CLASSIFIER_APP_ID (consumer group and changelog prefix), one core each; their workers, built
    from the rendered environment, consume the topic of their role only."""
    objects = rendered[overlay]
    classifiers = {
        obj["metadata"]["name"]
        for obj in _of_kind(objects, "Deployment")
        if obj["spec"]["template"]["spec"]["containers"][0]["args"][:2] == ["classifier", "run"]
    }
    assert classifiers == set(CLASSIFIER_ROLES)
    [kafka_topic_replicas] = {obj["spec"]["replicas"] for obj in _of_kind(objects, "KafkaTopic")}
    groups, changelogs = set(), set()
    for name, (role, topic) in CLASSIFIER_ROLES.items():
        settings, app = _classifier_worker(objects, name, monkeypatch, tmp_path)
        assert settings.role == role, name
        assert _consumed_topics(app) == {topic}, name
        assert app.conf.id == settings.app_id
        groups.add(settings.app_id)
        changelogs |= {table.changelog_topic.get_topic_name() for table in app.tables.values()}
        # Internal topics (the detection table's changelog) as replicated as the registry topics.
        assert settings.replication_factor == kafka_topic_replicas, name
        [container] = _named(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert _cpu_cores(container["resources"]["limits"]["cpu"]) == 1, f"{name}: one process uses one core"
    assert len(groups) == len(CLASSIFIER_ROLES), f"the roles share a consumer group: {groups}"
    assert len(changelogs) == 1, "only the detection worker has a table"


def test_the_worker_check_tells_the_roles_apart(
    rendered: Objects, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What the test above reads is not a constant: the same Deployment with role all consumes both topics."""
    objects = copy.deepcopy(rendered["dev"])
    [container] = _named(objects, "Deployment", "vigie-classifier-scoring")["spec"]["template"]["spec"]["containers"]
    [role] = [item for item in container["env"] if item["name"] == "VIGIE_CLASSIFIER_ROLE"]
    role["value"] = "all"
    settings, app = _classifier_worker(objects, "vigie-classifier-scoring", monkeypatch, tmp_path)
    assert settings.role == "all"
    assert _consumed_topics(app) == {MENTIONS_RAW, MENTIONS_SCORED}


def test_prod_scales_each_classifier_role_on_its_own_lag_up_to_its_partitions(
    rendered: Objects, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    objects = rendered["prod"]
    scaled = {obj["spec"]["scaleTargetRef"]["name"]: obj for obj in _of_kind(objects, "ScaledObject")}
    assert set(scaled) == set(CLASSIFIER_ROLES)
    [kafka] = [c for c in _of_kind(objects, "ConfigMap") if c["metadata"]["name"] == "vigie-kafka"]
    for name, (_, topic) in CLASSIFIER_ROLES.items():
        target = scaled[name]["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
        settings, app = _classifier_worker(objects, name, monkeypatch, tmp_path)
        [trigger] = scaled[name]["spec"]["triggers"]
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == settings.app_id, name
        assert trigger["metadata"]["topic"] == topic
        assert _consumed_topics(app) == {topic}, name
        assert trigger["metadata"]["bootstrapServers"] == kafka["data"]["KAFKA_BOOTSTRAP_SERVERS"]
        assert settings.kafka.bootstrap_servers == kafka["data"]["KAFKA_BOOTSTRAP_SERVERS"]
        assert scaled[name]["spec"]["maxReplicaCount"] == TOPICS[topic].partitions
        assert scaled[name]["spec"]["minReplicaCount"] >= 1
        # KEDA owns the replica count: the manifest leaves it unset, or each apply would reset it.
        assert "replicas" not in _named(objects, "Deployment", name)["spec"]
    assert not _of_kind(rendered["dev"], "ScaledObject")


def test_dev_runs_one_worker_of_each_classifier_role(rendered: Objects) -> None:
    for name in CLASSIFIER_ROLES:
        assert _named(rendered["dev"], "Deployment", name)["spec"]["replicas"] == 1


def test_dev_generates_placeholder_secrets_and_prod_does_not(rendered: Objects) -> None:
    assert [s["metadata"]["name"].startswith("vigie-secrets-") for s in _of_kind(rendered["dev"], "Secret")] == [True]
    assert not _of_kind(rendered["prod"], "Secret")


def test_the_configuration_shipped_to_kubernetes_loads_and_follows_the_examples(rendered: Objects) -> None:
    """kustomize reads only below its root, so base/config/ holds copies: of config/*.example.yaml where one
    exists (kept identical), and the collector's sources of deploy/compose/."""
    from vigie.collector.settings import load_sources
    from vigie.notifier.routes_config import load_routes

    config = K8S / "base" / "config"
    for name, original in {
        "territories.yaml": REPO / "config" / "territories.example.yaml",
        "notifier.yaml": REPO / "config" / "notifier.example.yaml",
        "collector.yaml": REPO / "deploy" / "compose" / "collector.yaml",
    }.items():
        shipped = (config / name).read_text(encoding="utf-8")
        expected = original.read_text(encoding="utf-8")
        if name == "collector.yaml":
            shipped, expected = shipped.split("version:", 1)[1], expected.split("version:", 1)[1]
        assert shipped == expected, f"copy {original.relative_to(REPO)} to deploy/k8s/base/config/{name}"
    assert load_territories(config / "territories.yaml").territories
    assert load_sources(config / "collector.yaml").webhook.enabled
    assert load_routes(config / "notifier.yaml").receivers
    for overlay in OVERLAYS:
        [config_map] = [
            c for c in _of_kind(rendered[overlay], "ConfigMap") if c["metadata"]["name"].startswith("vigie-config-")
        ]
        assert set(config_map["data"]) == {"territories.yaml", "collector.yaml", "notifier.yaml"}


def test_prod_keeps_the_collector_state_on_a_volume(rendered: Objects) -> None:
    deployment = _named(rendered["prod"], "Deployment", "vigie-collector")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    [state] = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "state"]
    claim = _named(rendered["prod"], "PersistentVolumeClaim", state["persistentVolumeClaim"]["claimName"])
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "state")
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["VIGIE_COLLECTOR_STATE_DIR"].startswith(mount["mountPath"] + "/")
