"""postgres_cluster's write when somebody changes the object between its read and its patch.

The API is a test double at the boundary: a PostgresCluster API that answers the first conditional patch with 409
Conflict (as kube-apiserver does for a stale metadata.resourceVersion) and holds a newer object with a field
somebody else added meanwhile. The module must read again, merge into the newer object and send that.
"""
import copy

import pytest
from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import api_exception

from ansible_collections.baremetal.platform.plugins.module_utils.postgres import spec as spec_builder
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.cluster_merge import merge_owned
from ansible_collections.baremetal.platform.plugins.modules import postgres_cluster

PARAMS = {
    "name": "marketplace", "namespace": "shop", "state": "present", "postgres_version": 17, "instance_name": "instance1",
    "replicas": 2, "allow_single_instance": False, "sync_replication": True, "sync_replication_strict": False,
    "service_type": "LoadBalancer", "pgbouncer": {"enabled": True, "replicas": 1, "service_type": None},
    "storage_size": "10Gi", "storage_class": "local-path", "anti_affinity": "preferred", "users": None,
    "purge_users": False, "backups": None, "wait": False, "wait_timeout": 600,
    "operator_version": "6.0.3", "operator_deployment": None,
}


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, params):
        self.params = params
        self.check_mode = False
        self._diff = True
        self.warnings = []

    def fail_json(self, **result):
        raise Failed(result)

    def warn(self, message):
        self.warnings.append(message)


class Obj:
    def __init__(self, value):
        self.value = value

    def to_dict(self):
        return copy.deepcopy(self.value)


class ConflictOnceApi:
    """The PostgresCluster endpoint: a stale resourceVersion gets 409, like kube-apiserver's optimistic concurrency."""

    def __init__(self, stored):
        self.stored = stored
        self.patches = []

    def get(self, name, namespace):
        assert (name, namespace) == ("marketplace", "shop")
        return Obj(self.stored)

    def patch(self, body, name, namespace, content_type):
        assert content_type == "application/merge-patch+json"
        self.patches.append(copy.deepcopy(body))
        if body["metadata"]["resourceVersion"] != self.stored["metadata"]["resourceVersion"]:
            raise api_exception(ApiException(status=409, reason="Conflict"))
        self.stored = dict(self.stored, spec=merge_owned(self.stored["spec"], body.get("spec") or {}),
                           metadata=dict(self.stored["metadata"], resourceVersion="99"))
        return Obj(self.stored)


def existing(version):
    desired, removals, owned = spec_builder.plan(PARAMS, None)
    return {"apiVersion": spec_builder.API_VERSION, "kind": spec_builder.KIND,
            "metadata": {"name": "marketplace", "namespace": "shop", "resourceVersion": version,
                         "annotations": {spec_builder.OWNED_ANNOTATION: spec_builder.owned_annotation(owned)}},
            "spec": merge_owned({}, desired, removals)}


def test_conflict_reads_again_and_keeps_the_field_added_meanwhile():
    read = existing("10")
    newer = existing("11")
    newer["spec"]["instances"][0]["resources"] = {"limits": {"cpu": "2"}}
    api = ConflictOnceApi(newer)
    result = postgres_cluster.present(FakeModule(dict(PARAMS, replicas=3)), None, api, read)
    assert [patch["metadata"]["resourceVersion"] for patch in api.patches] == ["10", "11"]
    assert api.patches[1]["spec"]["instances"][0]["resources"] == {"limits": {"cpu": "2"}}
    assert api.stored["spec"]["instances"][0]["replicas"] == 4
    assert api.stored["spec"]["instances"][0]["resources"] == {"limits": {"cpu": "2"}}
    assert result["changes"] == [{"field": "spec.instances[instance1].replicas", "before": 3, "after": 4}]
    assert result["supported_postgres_versions"] == [15, 16, 17, 18]


def test_version_the_release_cannot_run_fails_before_the_patch():
    api = ConflictOnceApi(existing("10"))
    with pytest.raises(Failed) as failed:
        postgres_cluster.present(FakeModule(dict(PARAMS, postgres_version=14)), None, api, existing("10"))
    assert failed.value.args[0]["msg"].startswith("postgres_version 14 cannot run on Crunchy PGO 6.0.3")
    assert api.patches == []


def test_custom_image_skips_the_operator_check():
    current = existing("10")
    current["spec"]["image"] = "registry.example/postgres:14-custom"
    api = ConflictOnceApi(copy.deepcopy(current))
    result = postgres_cluster.present(FakeModule(dict(PARAMS, postgres_version=14)), None, api, current)
    assert result["changes"] == [{"field": "spec.postgresVersion", "before": 17, "after": 14}]
    assert "supported_postgres_versions" not in result
