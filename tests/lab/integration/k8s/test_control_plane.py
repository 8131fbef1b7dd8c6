"""The lab control plane behaves like a cluster: nodes, scheduling, rollouts, helm releases."""

import pathlib

import pytest

from tools.lab.k8s import versions

pytestmark = pytest.mark.k8s

CHART = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "charts" / "hello"


def _ready(node):
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", []))


def test_three_kwok_nodes_are_ready(lab_k8s):
    nodes = lab_k8s.kubectl_json("get", "nodes")["items"]
    assert sorted(n["metadata"]["name"] for n in nodes if _ready(n)) == sorted(lab_k8s.nodes)
    assert len(lab_k8s.nodes) == 3


def test_server_reports_the_pinned_version(lab_k8s):
    version = lab_k8s.kubectl_json("version")["serverVersion"]
    assert version["gitVersion"] == versions.DEFAULT_KUBERNETES_VERSION == lab_k8s.version
    assert f"v{version['major']}.{version['minor']}." in version["gitVersion"]


def test_rbac_denies_an_unprivileged_identity(lab_k8s):
    denied = lab_k8s.kubectl("auth", "can-i", "create", "pods", "--as=someone", check=False)
    allowed = lab_k8s.kubectl("auth", "can-i", "create", "pods", check=False)
    assert (denied.stdout.strip(), allowed.stdout.strip()) == ("no", "yes")


def test_deployment_rolls_out_to_ready_pods(lab_k8s):
    lab_k8s.kubectl("create", "namespace", "rollout")
    try:
        lab_k8s.kubectl("create", "deployment", "web", "-n", "rollout", "--image=registry.k8s.io/pause:3.10", "--replicas=3")
        lab_k8s.kubectl("rollout", "status", "deployment/web", "-n", "rollout", "--timeout=90s")
        pods = lab_k8s.kubectl_json("get", "pods", "-n", "rollout", "-l", "app=web")["items"]
        assert len(pods) == 3
        assert all(p["status"]["phase"] == "Running" and p["spec"]["nodeName"] in lab_k8s.nodes for p in pods)
    finally:
        lab_k8s.kubectl("delete", "namespace", "rollout", "--wait=false")


def test_helm_install_waits_and_uninstall_cleans_up(lab_k8s):
    lab_k8s.helm("install", "demo", str(CHART), "--namespace", "helm-demo", "--create-namespace", "--wait", "--timeout", "120s",
                 "--set", "replicas=2")
    try:
        deployment = lab_k8s.kubectl_json("get", "deployment", "demo-hello", "-n", "helm-demo")
        assert deployment["status"]["readyReplicas"] == 2
        assert lab_k8s.helm("status", "demo", "-n", "helm-demo", "-o", "json").stdout.count('"status":"deployed"') == 1
    finally:
        lab_k8s.helm("uninstall", "demo", "--namespace", "helm-demo", "--wait", "--timeout", "120s")
    left = lab_k8s.kubectl("get", "deployment,service", "-n", "helm-demo", "-l", "app.kubernetes.io/instance=demo", "-o", "name")
    assert left.stdout.strip() == ""
    assert lab_k8s.helm("list", "-n", "helm-demo", "-q").stdout.strip() == ""
