"""The real MetalLB controller assigns LoadBalancer addresses from IPAddressPools, and only from them.

The module runs its own control plane and controller: on the session's plane, a LoadBalancer Service that an
earlier test left holding an address of a removed pool makes MetalLB refuse every later pool change (seen in a
full CI run), so this test would fail for another test's reason.
"""

import ipaddress
import os

import pytest

from tests.fixtures.lab_k8s import LabK8s
from tools.lab.errors import LabError
from tools.lab.k8s import cluster, controllers

pytestmark = pytest.mark.k8s

PLANE = "mlbtest"

# Documentation range (RFC 5737): only written into Service status, never a traffic target.
POOL = "192.0.2.16/29"
OUTSIDE_POOL = "192.0.2.100"


def _quiet(_line):
    pass


@pytest.fixture(scope="module", name="lab_k8s")
def own_plane_fixture():
    """This module's control plane (3 kwok nodes), stopped at the module's end, also after a failure."""
    if os.geteuid() != 0:
        pytest.fail("the lab control plane needs root: run pytest as root")
    try:
        try:
            yield LabK8s(cluster.up(PLANE, progress=_quiet))
        except LabError as error:
            pytest.fail(f"the control plane {PLANE!r} did not start: {error}")
    finally:
        cluster.down(PLANE, progress=_quiet)


@pytest.fixture(scope="module", name="metallb_controller")
def own_controller_fixture(lab_k8s):
    """The real MetalLB controller on this module's plane; yields its namespace."""
    try:
        controllers.start(lab_k8s.name, "metallb", progress=_quiet)
    except LabError as error:
        pytest.fail(f"the MetalLB controller did not start: {error}")
    try:
        yield controllers.METALLB_NAMESPACE
    finally:
        controllers.stop(lab_k8s.name, "metallb", progress=_quiet)


@pytest.fixture(name="pool")
def pool_fixture(lab_k8s, metallb_controller):
    lab_k8s.apply({"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool", "metadata": {"name": "lab-pool", "namespace": metallb_controller},
                   "spec": {"addresses": [POOL]}})
    lab_k8s.apply({"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement", "metadata": {"name": "lab-l2", "namespace": metallb_controller},
                   "spec": {"ipAddressPools": ["lab-pool"]}})
    lab_k8s.kubectl("create", "namespace", "lb")
    try:
        yield ipaddress.ip_network(POOL)
    finally:
        # Services first, then their pool: MetalLB keeps its old configuration (and refuses every
        # later pool change) while a Service still holds an IP of a removed pool.
        lab_k8s.kubectl("delete", "namespace", "lb", "--wait=true", "--timeout=120s")
        lab_k8s.kubectl("delete", "l2advertisement/lab-l2", "ipaddresspool/lab-pool", "-n", metallb_controller)


def _service(name, annotations=None):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "lb", "annotations": annotations or {}},
            "spec": {"type": "LoadBalancer", "selector": {"app": name}, "ports": [{"port": 80}]}}


def _ingress(lab_k8s, name):
    return lab_k8s.kubectl_json("get", "service", "-n", "lb", name)["status"].get("loadBalancer", {}).get("ingress")


def test_load_balancer_service_gets_an_address_from_the_pool(lab_k8s, pool):
    lab_k8s.apply(_service("web"))
    ingress = lab_k8s.wait_for("an external IP on service lb/web", lambda: _ingress(lab_k8s, "web"))
    assert ipaddress.ip_address(ingress[0]["ip"]) in pool


def test_address_outside_every_pool_stays_pending_with_an_event(lab_k8s, pool):
    lab_k8s.apply(_service("stray", {"metallb.universe.tf/loadBalancerIPs": OUTSIDE_POOL}))

    def failure_event():
        events = lab_k8s.kubectl_json("get", "events", "-n", "lb", "--field-selector", "involvedObject.name=stray")["items"]
        return [e for e in events if e["reason"] == "AllocationFailed"]

    events = lab_k8s.wait_for("MetalLB's AllocationFailed event on service lb/stray", failure_event)
    assert OUTSIDE_POOL in events[0]["message"]
    assert events[0]["source"]["component"] == "metallb-controller"
    assert not _ingress(lab_k8s, "stray")
    assert ipaddress.ip_address(OUTSIDE_POOL) not in pool
