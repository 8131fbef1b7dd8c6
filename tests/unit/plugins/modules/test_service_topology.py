"""service_topology as Ansible runs it (argument checks, unreachable API), and its selection logic."""
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.baremetal.platform.plugins.module_utils.traffic_locality import decide
from ansible_collections.baremetal.platform.plugins.modules import service_topology

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
COLLECTIONS = os.path.join(REPO, ".ansible", "collections")
# A closed local port: nothing answers there.
NO_API = {"host": "https://127.0.0.1:9", "api_key": "unused", "validate_certs": False}


def run_module(tmp_path, **args):
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(NO_API, **args)}))
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("K8S_AUTH_"))
    env["PYTHONPATH"] = COLLECTIONS
    module = os.path.join(REPO, "plugins", "modules", "service_topology.py")
    proc = subprocess.run([sys.executable, module, str(args_file)], capture_output=True, text=True, env=env, check=False, timeout=120)
    assert proc.stdout, "module printed nothing; stderr: %s" % proc.stderr
    return json.loads(proc.stdout)


def test_unknown_fallback_is_refused_before_any_api_call(tmp_path):
    result = run_module(tmp_path, fallback="sometimes")
    assert result["failed"]
    assert "fallback" in result["msg"] and "prefer_close" in result["msg"]


def test_unreachable_api_fails_with_a_message_not_a_traceback(tmp_path):
    result = run_module(tmp_path, namespaces=["shop"])
    assert result["failed"]
    assert "Kubernetes" in result["msg"]
    assert "Traceback" not in result["msg"]


def test_api_key_never_appears_in_the_output(tmp_path):
    result = run_module(tmp_path, api_key="s3cr3t-token-value")
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
