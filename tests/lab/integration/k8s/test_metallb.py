"""The real MetalLB controller assigns LoadBalancer addresses from IPAddressPools, and only from them."""

import ipaddress

import pytest

pytestmark = pytest.mark.k8s

# Documentation range (RFC 5737): only written into Service status, never a traffic target.
POOL = "192.0.2.16/29"
OUTSIDE_POOL = "192.0.2.100"


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
