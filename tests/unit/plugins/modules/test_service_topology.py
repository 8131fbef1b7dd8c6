"""service_topology as Ansible runs it (argument checks, unreachable API), and its selection logic."""
import json

import pytest

from ansible_collections.baremetal.platform.plugins.module_utils.traffic_locality import decide
from ansible_collections.baremetal.platform.plugins.modules import service_topology
from tests import helpers


def run_module(secrets=(), **args):
    """The module against a closed API port, with no K8S_AUTH_* from this environment."""
    return helpers.run_module("service_topology", dict(helpers.NO_API, **args), env=helpers.without_k8s_auth(), timeout=120,
                              secrets=secrets)


def test_unknown_fallback_is_refused_before_any_api_call():
    result = run_module(fallback="sometimes")
    assert result["failed"]
    assert result["msg"].startswith("value of fallback must be one of: "), result["msg"]
    assert "prefer_close" in result["msg"] and result["msg"].endswith("got: sometimes"), result["msg"]


def test_unreachable_api_fails_with_a_message_not_a_traceback():
    result = run_module(namespaces=["shop"])
    assert result["failed"]
    assert result["msg"].startswith("Could not reach the Kubernetes API: ")
    assert "127.0.0.1" in result["msg"] and "check kubeconfig/host and that the API server is up" in result["msg"]
    assert "Traceback" not in result["msg"]


def test_api_key_is_used_and_never_appears_in_the_output():
    """The run gets past the argument checks to the API call the key is for, and still prints no key."""
    result = run_module(api_key="s3cr3t-token-value", secrets=("s3cr3t-token-value",))
    assert result["failed"]
    assert result["msg"].startswith("Could not reach the Kubernetes API: "), result["msg"]
    assert result["invocation"]["module_args"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "s3cr3t-token-value" not in json.dumps(result)


def _svc(namespace, name, **spec):
    return {"metadata": {"namespace": namespace, "name": name}, "spec": dict({"type": "ClusterIP"}, **spec)}


class _Module:
    """The two things plan() uses from AnsibleModule: params and warn()."""

    def __init__(self, exclude):
        self.params = {"exclude": exclude}
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


def test_plan_sorts_services_into_patch_unchanged_excluded_skipped():
    items = [
        _svc("shop", "cart"),
        _svc("shop", "catalog", trafficDistribution="PreferSameNode"),
        _svc("shop", "frontend"),
        _svc("edge", "api-gateway"),
        _svc("shop", "api-gateway"),
        _svc("shop", "cache", internalTrafficPolicy="Local"),
    ]
    module = _Module(["frontend", "edge/api-gateway"])
    planned = service_topology.plan(module, items, decide((1, 34)), (1, 34))
    assert [service_topology.full_name(service) for service, _patch in planned["to_patch"]] == ["shop/cart", "shop/api-gateway"]
    assert planned["unchanged"] == ["shop/catalog"]
    assert planned["excluded"] == ["shop/frontend", "edge/api-gateway"]
    assert [(item["namespace"], item["name"]) for item in planned["skipped_services"]] == [("shop", "cache")]
    assert module.warnings == []


def test_plan_warns_about_topology_keys_a_new_server_ignores():
    module = _Module([])
    service_topology.plan(module, [_svc("shop", "old", topologyKeys=["*"])], decide((1, 34)), (1, 34))
    assert len(module.warnings) == 1 and "shop/old" in module.warnings[0]


class _Listing:
    def __init__(self, items):
        self.items = items

    def to_dict(self):
        return {"items": self.items}


class _Services:
    """Records list calls; returns every Service (the API server would filter by namespace when asked)."""

    def __init__(self, items):
        self.items = items
        self.calls = []

    def get(self, namespace=None, label_selector=None):
        self.calls.append((namespace, label_selector))
        return _Listing([item for item in self.items if namespace is None or item["metadata"]["namespace"] == namespace])


@pytest.mark.parametrize("namespaces, selectors, expected_call, expected_names", [
    ([], [], (None, None), ["a/x", "b/y", "c/z"]),
    (["b"], ["app=y"], ("b", "app=y"), ["b/y"]),
    (["a", "c"], ["tier=back", "app!=edge"], (None, "tier=back,app!=edge"), ["a/x", "c/z"]),
])
def test_one_list_call_per_namespace_set(namespaces, selectors, expected_call, expected_names):
    services = _Services([_svc("c", "z"), _svc("a", "x"), _svc("b", "y")])
    items = service_topology.list_services(None, services, namespaces, selectors)
    assert services.calls == [expected_call]
    assert [service_topology.full_name(item) for item in items] == expected_names
