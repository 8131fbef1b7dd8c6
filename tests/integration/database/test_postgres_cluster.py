"""postgres_cluster against the real kube-apiserver and the real PostgresCluster CRD (schema and CEL rules)."""
import pytest

from tests.integration.database.helpers import STORAGE_CLASS, get_cluster, run_module

pytestmark = pytest.mark.k8s

SEED = {"name": "marketplace", "replicas": 2, "sync_replication": True, "service_type": "LoadBalancer",
        "pgbouncer": {"enabled": True}, "storage_class": STORAGE_CLASS,
        "users": [{"name": "shop", "databases": ["shop"]}]}


def cluster_module(lab, namespace, check=False, diff=False, **changes):
    return run_module(lab, "postgres_cluster", check=check, diff=diff, **dict(SEED, namespace=namespace, **changes))


def test_seed_cluster_is_accepted_and_idempotent(database_lab, namespace):
    preview = cluster_module(database_lab, namespace, check=True, diff=True)
    assert preview["changed"] is True, preview
    assert get_cluster(database_lab, namespace, "marketplace") is None, "check mode wrote the object"

    created = cluster_module(database_lab, namespace)
    assert created["changed"] is True, created
    spec = get_cluster(database_lab, namespace, "marketplace")["spec"]
    assert spec["instances"][0]["replicas"] == 3
    assert spec["patroni"]["dynamicConfiguration"]["synchronous_mode"] is True
    assert spec["proxy"]["pgBouncer"]["replicas"] == 1
    assert spec["proxy"]["pgBouncer"]["service"]["type"] == "LoadBalancer"
    assert spec["service"]["type"] == "LoadBalancer"
    assert spec["instances"][0]["dataVolumeClaimSpec"]["storageClassName"] == STORAGE_CLASS
    assert "preferredDuringSchedulingIgnoredDuringExecution" in spec["instances"][0]["affinity"]["podAntiAffinity"]
    assert spec["users"] == [{"name": "shop", "databases": ["shop"]}]
    assert spec["backups"]["pgbackrest"]["repos"][0]["name"] == "repo1"

    again = cluster_module(database_lab, namespace, diff=True)
    assert again["changed"] is False, again["patch"]
    assert again["patch"] == {}


def test_changes_are_minimal_patches_and_check_mode_writes_nothing(database_lab, namespace):
    cluster_module(database_lab, namespace)
    version = get_cluster(database_lab, namespace, "marketplace")["metadata"]["resourceVersion"]

    preview = cluster_module(database_lab, namespace, check=True, diff=True, replicas=3)
    assert preview["changed"] is True
    assert get_cluster(database_lab, namespace, "marketplace")["metadata"]["resourceVersion"] == version

    scaled = cluster_module(database_lab, namespace, diff=True, replicas=3)
    assert list(scaled["patch"]) == ["instances"]
    assert scaled["patch"]["instances"][0]["replicas"] == 4
    assert scaled["diff"]["before"]["spec"]["instances"][0]["replicas"] == 3
    assert scaled["diff"]["after"]["spec"]["instances"][0]["replicas"] == 4
    assert scaled["changes"] == [{"field": "spec.instances[instance1].replicas", "before": 3, "after": 4}]

    strict = cluster_module(database_lab, namespace, replicas=3, sync_replication_strict=True)
    assert strict["patch"] == {"patroni": {"dynamicConfiguration": {"synchronous_mode_strict": True}}}

    no_bouncer = cluster_module(database_lab, namespace, replicas=3, sync_replication_strict=True,
                                pgbouncer={"enabled": False}, anti_affinity="required")
    assert set(no_bouncer["patch"]) == {"proxy", "instances"}
    spec = get_cluster(database_lab, namespace, "marketplace")["spec"]
    assert "proxy" not in spec
    affinity = spec["instances"][0]["affinity"]["podAntiAffinity"]
    assert list(affinity) == ["requiredDuringSchedulingIgnoredDuringExecution"]
    assert spec["patroni"]["dynamicConfiguration"]["synchronous_mode_strict"] is True


def test_state_absent_removes_the_cluster(database_lab, namespace):
    cluster_module(database_lab, namespace)
    removed = run_module(database_lab, "postgres_cluster", name="marketplace", namespace=namespace, state="absent", wait=True,
                         wait_timeout=60)
    assert removed["changed"] is True, removed
    assert get_cluster(database_lab, namespace, "marketplace") is None
    again = run_module(database_lab, "postgres_cluster", name="marketplace", namespace=namespace, state="absent")
    assert again["changed"] is False


@pytest.mark.parametrize("changes, expected", [
    ({"replicas": 0}, "replicas is 0"),
    ({"storage_class": "no-such-class"}, "StorageClass 'no-such-class' does not exist"),
    ({"name": "Market_Place"}, "is not a DNS-1035 label"),
    ({"replicas": 0, "allow_single_instance": True, "sync_replication_strict": True}, "single instance would block"),
])
def test_bad_input_fails_before_any_write(database_lab, namespace, changes, expected):
    result = cluster_module(database_lab, namespace, **changes)
    assert result.get("failed") is True
    assert expected in result["msg"]
    assert database_lab.kubectl("get", "postgrescluster", "-n", namespace, "-o", "name").stdout.strip() == ""


def test_wait_says_honestly_what_the_operator_has_not_reported(database_lab, namespace):
    # No operator runs in the lab, so the cluster never becomes ready: the wait must time out and say why.
    result = cluster_module(database_lab, namespace, wait=True, wait_timeout=4)
    assert result.get("failed") is True
    assert "did not report it ready within 4 s" in result["msg"]
    assert "has not yet processed generation 1" in result["msg"]
    assert "PostgresCluster %s/marketplace has no Warning events" % namespace in result["msg"]
    assert get_cluster(database_lab, namespace, "marketplace") is not None
