"""postgres_cluster_spec: option checks and the PostgresCluster spec built from the options."""
import copy

import pytest

from ansible_collections.baremetal.platform.plugins.module_utils.postgres import spec as spec_builder
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.merge_patch import prune_none

# The module's defaults, then the seed's pgo create cluster flags.
DEFAULTS = {
    "name": "marketplace", "namespace": "shop", "postgres_version": 17, "instance_name": "instance1",
    "replicas": 2, "allow_single_instance": False, "sync_replication": False, "sync_replication_strict": False,
    "service_type": "ClusterIP", "pgbouncer": {"enabled": False, "replicas": 1, "service_type": None},
    "storage_size": "10Gi", "storage_class": None, "anti_affinity": "preferred", "users": None, "backups": None,
}
SEED = dict(copy.deepcopy(DEFAULTS), sync_replication=True, service_type="LoadBalancer",
            pgbouncer={"enabled": True, "replicas": 1, "service_type": None}, storage_class="local-path")


def options(**changes):
    params = copy.deepcopy(SEED)
    params.update(changes)
    return params


def errors_for(**changes):
    return " ".join(spec_builder.validation_errors(options(**changes)))


def test_seed_options_are_valid():
    assert spec_builder.validation_errors(SEED) == []


def test_replica_count_two_means_three_pods():
    spec = spec_builder.build_spec(SEED)
    assert spec["instances"][0]["replicas"] == 3
    assert spec_builder.build_spec(options(replicas=4))["instances"][0]["replicas"] == 5


def test_seed_spec_has_sync_replication_pgbouncer_and_load_balancer():
    spec = prune_none(spec_builder.build_spec(SEED))
    assert spec["patroni"]["dynamicConfiguration"] == {"synchronous_mode": True, "synchronous_mode_strict": False}
    assert spec["proxy"]["pgBouncer"]["replicas"] == 1
    assert spec["proxy"]["pgBouncer"]["service"] == {"type": "LoadBalancer"}
    assert spec["service"] == {"type": "LoadBalancer"}
    assert spec["replicaService"] == {"type": "LoadBalancer"}
    claim = spec["instances"][0]["dataVolumeClaimSpec"]
    assert claim == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}},
                     "storageClassName": "local-path"}


def test_preferred_anti_affinity_spreads_the_instance_set_across_nodes():
    affinity = prune_none(spec_builder.build_spec(SEED))["instances"][0]["affinity"]["podAntiAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in affinity
    term = affinity["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"] == {
        "postgres-operator.crunchydata.com/cluster": "marketplace",
        "postgres-operator.crunchydata.com/instance-set": "instance1"}


def test_required_anti_affinity_removes_the_preferred_rule():
    affinity = spec_builder.build_spec(options(anti_affinity="required"))["instances"][0]["affinity"]["podAntiAffinity"]
    assert affinity["preferredDuringSchedulingIgnoredDuringExecution"] is None
    assert affinity["requiredDuringSchedulingIgnoredDuringExecution"][0]["topologyKey"] == "kubernetes.io/hostname"
    bouncer = spec_builder.build_spec(options(anti_affinity="required"))["proxy"]["pgBouncer"]["affinity"]
    selector = bouncer["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"]
    assert selector["matchLabels"]["postgres-operator.crunchydata.com/role"] == "pgbouncer"


def test_pgbouncer_off_marks_proxy_for_removal():
    assert spec_builder.build_spec(DEFAULTS)["proxy"] is None


def test_pgbouncer_service_type_can_differ_from_the_database_service():
    spec = spec_builder.build_spec(options(pgbouncer={"enabled": True, "replicas": 2, "service_type": "ClusterIP"}))
    assert spec["proxy"]["pgBouncer"]["service"] == {"type": "ClusterIP"}
    assert spec["proxy"]["pgBouncer"]["replicas"] == 2


def test_strict_sync_mode_is_written():
    spec = spec_builder.build_spec(options(sync_replication_strict=True))
    assert spec["patroni"]["dynamicConfiguration"]["synchronous_mode_strict"] is True


def test_default_backup_repository_follows_the_data_volume():
    repos = spec_builder.build_spec(SEED)["backups"]["pgbackrest"]["repos"]
    assert prune_none(repos) == [{"name": "repo1", "volume": {"volumeClaimSpec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}, "storageClassName": "local-path"}}}]


def test_s3_repository_with_schedules_retention_and_credentials_secret():
    backups = {"repos": [{"name": "repo2", "volume": None, "s3": {"bucket": "b", "endpoint": "s3.example", "region": "eu"},
                          "schedules": {"full": "0 1 * * 0", "differential": None, "incremental": "0 1 * * 1-6"}}],
               "global_options": {"repo2-retention-full": 4}, "configuration_secret": "pgbackrest-s3"}
    pgbackrest = spec_builder.build_spec(options(backups=backups))["backups"]["pgbackrest"]
    assert pgbackrest["repos"] == [{"name": "repo2", "s3": {"bucket": "b", "endpoint": "s3.example", "region": "eu"},
                                    "schedules": {"full": "0 1 * * 0", "incremental": "0 1 * * 1-6"}}]
    assert pgbackrest["global"] == {"repo2-retention-full": "4"}
    assert pgbackrest["configuration"] == [{"secret": {"name": "pgbackrest-s3"}}]


def test_users_and_databases():
    users = [{"name": "shop", "databases": ["shop", "orders"], "options": "CREATEDB"}, {"name": "report", "databases": []}]
    assert spec_builder.build_spec(options(users=users))["users"] == [
        {"name": "shop", "databases": ["shop", "orders"], "options": "CREATEDB"}, {"name": "report"}]
    assert "users" not in spec_builder.build_spec(SEED), "users omitted: spec.users is not the module's"
    assert spec_builder.build_spec(options(purge_users=True))["users"] is None, "purge_users owns the list"


def test_storage_classes_collects_data_and_backup_classes_once():
    backups = {"repos": [{"name": "repo1", "volume": {"size": "1Gi", "storage_class": "fast"}},
                         {"name": "repo2", "volume": {"size": "1Gi", "storage_class": "local-path"}}]}
    assert spec_builder.storage_classes(options(backups=backups)) == ["fast", "local-path"]
    assert spec_builder.storage_classes(DEFAULTS) == []


@pytest.mark.parametrize("changes, expected", [
    ({"replicas": 0}, "replicas is 0"),
    ({"replicas": -1}, "replicas is -1"),
    ({"name": "Shop_DB"}, "name 'Shop_DB' is not a DNS-1035 label"),
    ({"name": "1shop"}, "name '1shop' is not a DNS-1035 label"),
    ({"namespace": "my ns"}, "namespace 'my ns'"),
    ({"instance_name": "Set"}, "instance_name 'Set'"),
    ({"name": "a" * 40, "instance_name": "b" * 10}, "name and instance_name together have 50 characters"),
    ({"sync_replication": False, "sync_replication_strict": True}, "sync_replication_strict needs sync_replication"),
    ({"replicas": 0, "allow_single_instance": True, "sync_replication_strict": True}, "single instance would block"),
    ({"postgres_version": 10}, "postgres_version 10"),
    ({"storage_size": "10 GB"}, "storage_size '10 GB'"),
    ({"pgbouncer": {"enabled": True, "replicas": 0, "service_type": None}}, "pgbouncer.replicas is 0"),
    ({"users": [{"name": "shop", "databases": []}, {"name": "shop", "databases": []}]}, "listed twice in users"),
    ({"users": [{"name": "x", "databases": [], "options": "PASSWORD 'x'"}]}, "may not contain"),
    ({"backups": {"repos": [{"name": "repo5", "volume": {"size": "1Gi"}}]}}, "repo1, repo2, repo3, repo4"),
    ({"backups": {"repos": [{"name": "repo1"}]}}, "exactly one of volume or s3"),
    ({"backups": {"repos": [{"name": "repo1", "volume": {"size": "1Gi"}, "schedules": {"full": "daily"}}]}},
     "five-field cron"),
])
def test_bad_input_is_explained(changes, expected):
    assert expected in errors_for(**changes)


def test_single_instance_is_allowed_when_asked():
    params = options(replicas=0, allow_single_instance=True)
    assert spec_builder.validation_errors(params) == []
    assert spec_builder.build_spec(params)["instances"][0]["replicas"] == 1


def test_absent_checks_only_names():
    assert spec_builder.name_errors({"name": "ok", "namespace": "ok"}) == []
    assert "namespace" in " ".join(spec_builder.name_errors({"name": "ok", "namespace": "Bad"}))


def test_build_object_names_the_kind_and_api_version():
    body = spec_builder.build_object(SEED, {"postgresVersion": 17})
    assert body["apiVersion"] == "postgres-operator.crunchydata.com/v1beta1"
    assert body["kind"] == "PostgresCluster"
    assert body["metadata"] == {"name": "marketplace", "namespace": "shop"}
