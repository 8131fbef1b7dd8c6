"""The control plane starts and every CRD set becomes Established while both cores are busy (issue: CRD wait race)."""

import os

import pytest

from tools.lab.k8s import cluster, crds, load, paths
from tools.lab.k8s.api import Api

pytestmark = pytest.mark.k8s

NAME = "loaded"


def test_every_crd_set_is_established_under_cpu_load():
    if os.geteuid() != 0:
        pytest.fail("the lab control plane needs root: run pytest as root")
    with load.cpu_burners(seconds=300):
        try:
            state = cluster.up(NAME, progress=lambda _line: None)
            crds.load(state, list(crds.KNOWN_SETS), progress=lambda _line: None)
            status, body = Api(state["ports"]["apiserver"], paths.state_dir(NAME) / "pki").request(
                "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        finally:
            cluster.down(NAME, progress=lambda _line: None)
    assert status == 200
    established = {item["metadata"]["name"] for item in body["items"]
                   if crds.is_established(item.get("status", {}).get("conditions"))}
    for name in ("postgresclusters.postgres-operator.crunchydata.com", "ipaddresspools.metallb.io",
                 "certificates.cert-manager.io", "gateways.networking.istio.io"):
        assert name in established
    assert len(established) == len(body["items"]) >= 30
