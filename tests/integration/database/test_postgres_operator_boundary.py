"""The Postgres modules against what the Crunchy PGO v6 operator writes (issue 14).

The operator cannot run in the lab, so these tests play its part at the API boundary with the test doubles in
operator_double.py (its Deployment, Services, user Secret and a Warning event, in its format), and others' changes
with kubectl, through the real kube-apiserver and the real PostgresCluster CRD.
"""
import json

import pytest

from tests.integration.database import operator_double
from tests.integration.database.helpers import STORAGE_CLASS, get_cluster, run_module

pytestmark = pytest.mark.k8s

SEED = {"name": "marketplace", "replicas": 2, "sync_replication": True, "service_type": "LoadBalancer",
        "pgbouncer": {"enabled": True}, "storage_class": STORAGE_CLASS,
        "users": [{"name": "shop", "databases": ["shop"]}]}
FOREIGN_REPO = {"name": "repo2", "s3": {"bucket": "offsite", "endpoint": "s3.example.com", "region": "eu-central-1"}}
FOREIGN_USER = {"name": "analytics", "databases": ["shop"]}
LIMITS = {"limits": {"cpu": "2", "memory": "4Gi"}}


def cluster_module(lab, namespace, check=False, diff=False, **changes):
    return run_module(lab, "postgres_cluster", check=check, diff=diff, **dict(SEED, namespace=namespace, **changes))


def json_patch(lab, namespace, operations):
    """What another engineer or tool does with `kubectl patch --type=json`."""
    lab.kubectl("patch", "postgrescluster", "marketplace", "-n", namespace, "--type=json", "-p", json.dumps(operations))


@pytest.fixture(name="operator")
def fixture_operator(database_lab, namespace):
    """Test double: the PGO v6.0.3 operator Deployment (its RELATED_IMAGE_* variables), removed afterwards."""
    deployment = operator_double.operator_deployment(namespace, "6.0.3")
    database_lab.apply(deployment)
    try:
        yield deployment
    finally:
        database_lab.kubectl("delete", "deployment", "-n", namespace, deployment["metadata"]["name"],
                             "--ignore-not-found", "--wait=false", check=False)


def test_replicas_change_keeps_what_others_set_and_lists_exactly_what_changes(database_lab, namespace):
    assert cluster_module(database_lab, namespace)["changed"] is True
    json_patch(database_lab, namespace, [
        {"op": "add", "path": "/spec/instances/0/resources", "value": LIMITS},
        {"op": "add", "path": "/spec/backups/pgbackrest/repos/-", "value": FOREIGN_REPO},
        {"op": "add", "path": "/spec/users/-", "value": FOREIGN_USER}])

    unchanged = cluster_module(database_lab, namespace, diff=True)
    assert unchanged["changed"] is False, unchanged["changes"]

    preview = cluster_module(database_lab, namespace, check=True, diff=True, replicas=3)
    assert preview["changes"] == [{"field": "spec.instances[instance1].replicas", "before": 3, "after": 4}]
    scaled = cluster_module(database_lab, namespace, diff=True, replicas=3)
    assert scaled["changes"] == [{"field": "spec.instances[instance1].replicas", "before": 3, "after": 4}]
    assert list(scaled["patch"]) == ["instances"]
    before, after = scaled["diff"]["before"]["spec"], scaled["diff"]["after"]["spec"]
    assert list(before) == list(after) == ["instances"]
    assert before["instances"][0]["resources"] == after["instances"][0]["resources"] == LIMITS
    assert (before["instances"][0]["replicas"], after["instances"][0]["replicas"]) == (3, 4)

    spec = get_cluster(database_lab, namespace, "marketplace")["spec"]
    assert spec["instances"][0]["replicas"] == 4
    assert spec["instances"][0]["resources"] == LIMITS
    assert FOREIGN_REPO in spec["backups"]["pgbackrest"]["repos"]
    assert [user["name"] for user in spec["users"]] == ["shop", "analytics"]
    assert cluster_module(database_lab, namespace, replicas=3)["changed"] is False


def test_users_declared_elsewhere_survive_unless_the_module_owns_the_list(database_lab, namespace):
    without_users = dict((key, value) for key, value in SEED.items() if key != "users")
    assert run_module(database_lab, "postgres_cluster", namespace=namespace, **without_users)["changed"] is True
    assert "users" not in get_cluster(database_lab, namespace, "marketplace")["spec"]
    database_lab.kubectl("patch", "postgrescluster", "marketplace", "-n", namespace, "--type=merge",
                         "-p", json.dumps({"spec": {"users": [FOREIGN_USER]}}))

    again = run_module(database_lab, "postgres_cluster", namespace=namespace, diff=True,
                       **dict(without_users, replicas=3))
    assert again["changed"] is True
    assert "users" not in again["patch"], "users omitted: the module must not send users"
    assert get_cluster(database_lab, namespace, "marketplace")["spec"]["users"] == [FOREIGN_USER]

    listed = cluster_module(database_lab, namespace, replicas=3)
    assert [change["field"] for change in listed["changes"]] == [
        "spec.users[shop]", "metadata.annotations[baremetal.platform/postgres-cluster-owned]"]
    assert listed["changes"][0]["after"] == {"name": "shop", "databases": ["shop"]}
    assert [user["name"] for user in get_cluster(database_lab, namespace, "marketplace")["spec"]["users"]] == [
        "analytics", "shop"]

    owned = cluster_module(database_lab, namespace, replicas=3, purge_users=True, diff=True)
    assert owned["changes"] == [{"field": "spec.users[analytics]", "before": FOREIGN_USER, "after": None}]
    assert get_cluster(database_lab, namespace, "marketplace")["spec"]["users"] == [{"name": "shop", "databases": ["shop"]}]


def test_credentials_info_returns_the_load_balancer_addresses(database_lab, namespace):
    assert cluster_module(database_lab, namespace)["changed"] is True
    cluster = get_cluster(database_lab, namespace, "marketplace")
    services = operator_double.write_services(database_lab, cluster)
    assert services["marketplace-ha"]["spec"]["type"] == "LoadBalancer"
    assert services["marketplace-primary"]["spec"]["clusterIP"] == "None"
    assert services["marketplace-pgbouncer"]["spec"]["type"] == "LoadBalancer"
    operator_double.user_secret(database_lab, cluster, "shop", "shop", "pw-not-printed-1")

    pending = run_module(database_lab, "postgres_credentials_info", cluster="marketplace", namespace=namespace, user="shop")
    assert pending["external"]["primary"]["service"] == "marketplace-ha"
    assert pending["external"]["primary"]["addresses"] == []
    assert pending["external_uri"] is None, "no address assigned yet"

    operator_double.assign_load_balancer(database_lab, namespace, "marketplace-ha", [{"ip": "198.51.100.10"}])
    operator_double.assign_load_balancer(database_lab, namespace, "marketplace-replicas", [{"ip": "198.51.100.11"}])
    operator_double.assign_load_balancer(database_lab, namespace, "marketplace-pgbouncer",
                                         [{"hostname": "pool.db.example"}])
    written = dict((name, database_lab.kubectl_json("get", "service", "-n", namespace, name)["status"]["loadBalancer"]
                    ["ingress"][0]) for name in ("marketplace-ha", "marketplace-replicas", "marketplace-pgbouncer"))

    found = run_module(database_lab, "postgres_credentials_info", cluster="marketplace", namespace=namespace, user="shop")
    assert found.get("failed") is not True, found
    primary_ip = written["marketplace-ha"]["ip"]
    assert found["external"]["primary"] == {"service": "marketplace-ha", "type": "LoadBalancer",
                                            "addresses": [primary_ip], "port": 5432,
                                            "node_port": found["external"]["primary"]["node_port"]}
    assert found["external"]["replicas"]["addresses"] == [written["marketplace-replicas"]["ip"]]
    assert found["external"]["pgbouncer"]["addresses"] == [written["marketplace-pgbouncer"]["hostname"]]
    assert found["external_host"] == primary_ip
    assert found["external_uri"] == "postgresql://shop@%s:5432/shop" % primary_ip
    assert found["external_pgbouncer_uri"] == "postgresql://shop@%s:5432/shop" % written["marketplace-pgbouncer"]["hostname"]
    assert found["host"] == "marketplace-primary.%s.svc" % namespace, "the in-cluster host stays as the Secret says"
    assert "pw-not-printed-1" not in json.dumps(found)


def test_version_the_operator_cannot_run_fails_before_any_write(database_lab, namespace, operator):
    result = cluster_module(database_lab, namespace, postgres_version=14)
    assert result.get("failed") is True
    assert result["msg"].startswith("postgres_version 14 cannot run on the Crunchy PGO Deployment %s/pgo" % namespace)
    assert "Postgres images for 15 to 18 only" in result["msg"]
    assert result["supported_postgres_versions"] == [15, 16, 17, 18]
    assert get_cluster(database_lab, namespace, "marketplace") is None

    named = cluster_module(database_lab, namespace, postgres_version=14,
                           operator_deployment={"name": operator["metadata"]["name"], "namespace": namespace})
    assert "Postgres images for 15 to 18 only" in named["msg"]
    by_version = cluster_module(database_lab, namespace, postgres_version=14, operator_version="6.0.3")
    assert by_version["msg"].startswith("postgres_version 14 cannot run on Crunchy PGO 6.0.3")
    assert get_cluster(database_lab, namespace, "marketplace") is None

    supported = cluster_module(database_lab, namespace, postgres_version=18)
    assert supported["changed"] is True, supported
    assert supported["supported_postgres_versions"] == [15, 16, 17, 18]


def test_wait_timeout_names_the_instance_statefulsets(database_lab, namespace, operator):
    """When the operator got as far as the StatefulSets (one per instance), the failed wait names each of them."""
    assert cluster_module(database_lab, namespace)["changed"] is True
    image = next(variable["value"] for variable in operator["spec"]["template"]["spec"]["containers"][0]["env"]
                 if variable["name"] == "RELATED_IMAGE_POSTGRES_17")
    names = operator_double.instance_statefulsets(database_lab, get_cluster(database_lab, namespace, "marketplace"), image)
    assert len(names) == 3
    result = cluster_module(database_lab, namespace, wait=True, wait_timeout=4)
    assert result.get("failed") is True
    sentence = result["msg"].split("StatefulSets of instance set instance1: ", 1)[1].split(".", 1)[0]
    assert [entry.split(" (")[0] for entry in sentence.split(", ")] == names
    assert all(entry.endswith(" of 1 ready)") for entry in sentence.split(", ")), sentence
    assert "has no Warning events" in result["msg"]


def test_wait_timeout_quotes_the_operators_warning_event(database_lab, namespace):
    assert cluster_module(database_lab, namespace)["changed"] is True
    operator_double.warning_event(database_lab, get_cluster(database_lab, namespace, "marketplace"),
                                  "MissingRequiredImage", "missing image(s): [crunchy-postgres]")
    result = cluster_module(database_lab, namespace, wait=True, wait_timeout=4)
    assert result.get("failed") is True
    assert "has not yet processed generation 1" in result["msg"]
    assert ("Recent Warning events of PostgresCluster %s/marketplace: MissingRequiredImage: missing image(s): "
            "[crunchy-postgres]." % namespace) in result["msg"]
    assert "The operator has created no StatefulSet for instance set instance1 yet." in result["msg"]

    secret = run_module(database_lab, "postgres_credentials_info", cluster="marketplace", namespace=namespace,
                        user="shop", wait=True, wait_timeout=2)
    assert "MissingRequiredImage: missing image(s): [crunchy-postgres]" in secret["msg"]


def test_backup_and_delete_waits_quote_the_warning_events(database_lab, namespace):
    """The backup wait and the deletion wait (held by the operator's finalizer, as PGO sets it) quote the events."""
    assert cluster_module(database_lab, namespace)["changed"] is True
    database_lab.kubectl("patch", "postgrescluster", "marketplace", "-n", namespace, "--type=merge", "-p",
                         json.dumps({"metadata": {"finalizers": ["postgres-operator.crunchydata.com/finalizer"]}}))
    try:
        operator_double.warning_event(database_lab, get_cluster(database_lab, namespace, "marketplace"),
                                      "MissingRequiredImage", "missing image(s): [crunchy-postgres]")
        backup = run_module(database_lab, "postgres_backup", cluster="marketplace", namespace=namespace,
                            backup_id="b1", wait=True, wait_timeout=2)
        assert backup.get("failed") is True
        assert "did not finish within 2 s" in backup["msg"]
        assert "MissingRequiredImage: missing image(s): [crunchy-postgres]" in backup["msg"]

        deleted = run_module(database_lab, "postgres_cluster", name="marketplace", namespace=namespace, state="absent",
                             wait=True, wait_timeout=3)
        assert deleted.get("failed") is True
        assert "is still there after 3 s" in deleted["msg"]
        assert "MissingRequiredImage: missing image(s): [crunchy-postgres]" in deleted["msg"]
    finally:
        database_lab.kubectl("patch", "postgrescluster", "marketplace", "-n", namespace, "--type=merge", "-p",
                             json.dumps({"metadata": {"finalizers": None}}), check=False)
    assert database_lab.wait_for("the PostgresCluster to be gone once its finalizer is removed",
                                 lambda: get_cluster(database_lab, namespace, "marketplace") is None, timeout=30)
