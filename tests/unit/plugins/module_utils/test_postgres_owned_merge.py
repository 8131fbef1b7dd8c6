"""Merging the module's fields into a live PostgresCluster: others' fields and list items survive, changes are exact.

CURRENT is shaped like the object PGO v6 reconciles (operator defaults such as port and patroni.port, a field added
by ``kubectl patch`` inside instances[0], a repository and a user declared by someone else).
"""
import copy

from ansible_collections.baremetal.platform.plugins.module_utils.postgres import spec as spec_builder
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.merge_patch import diff_patch
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.cluster_merge import changed_fields, merge_owned

SEED = {
    "name": "marketplace", "namespace": "shop", "postgres_version": 17, "instance_name": "instance1",
    "replicas": 2, "allow_single_instance": False, "sync_replication": True, "sync_replication_strict": False,
    "service_type": "LoadBalancer", "pgbouncer": {"enabled": True, "replicas": 1, "service_type": None},
    "storage_size": "10Gi", "storage_class": "local-path", "anti_affinity": "preferred",
    "users": [{"name": "shop", "databases": ["shop"], "options": None}], "backups": None, "purge_users": False,
}
FOREIGN_REPO = {"name": "repo2", "s3": {"bucket": "offsite", "endpoint": "s3.example", "region": "eu"}}
FOREIGN_USER = {"name": "analytics", "databases": ["shop"]}
LIMITS = {"limits": {"cpu": "2", "memory": "4Gi"}}


def options(**changes):
    return dict(copy.deepcopy(SEED), **changes)


def created(params):
    """The object as the module creates it, then as others and the operator changed it."""
    desired, removals, owned = spec_builder.plan(params, None)
    spec = merge_owned({}, desired, removals)
    spec["port"] = 5432
    spec["patroni"]["port"] = 8008
    spec["instances"][0]["resources"] = copy.deepcopy(LIMITS)
    spec["backups"]["pgbackrest"]["repos"].append(copy.deepcopy(FOREIGN_REPO))
    spec["users"].append(copy.deepcopy(FOREIGN_USER))
    annotations = {spec_builder.OWNED_ANNOTATION: spec_builder.owned_annotation(owned)}
    return {"metadata": {"annotations": annotations, "resourceVersion": "7"}, "spec": spec}


def run(params, current):
    desired, removals, owned = spec_builder.plan(params, current)
    after = merge_owned(current["spec"], desired, removals)
    return after, diff_patch(current["spec"], after), changed_fields(current["spec"], after), owned


def test_rerun_without_changes_changes_nothing_and_keeps_the_record():
    current = created(SEED)
    after, patch, changes, owned = run(SEED, current)
    assert (patch, changes) == ({}, [])
    assert after == current["spec"]
    assert spec_builder.owned_annotation(owned) == current["metadata"]["annotations"][spec_builder.OWNED_ANNOTATION]


def test_replicas_change_keeps_foreign_fields_and_items_and_lists_exactly_the_change():
    current = created(SEED)
    after, patch, changes, _owned = run(options(replicas=3), current)
    assert changes == [{"field": "spec.instances[instance1].replicas", "before": 3, "after": 4}]
    assert list(patch) == ["instances"]
    assert patch["instances"][0]["resources"] == LIMITS, "the whole list is sent, with the foreign field in it"
    assert after["instances"][0]["resources"] == LIMITS
    assert FOREIGN_REPO in after["backups"]["pgbackrest"]["repos"]
    assert FOREIGN_USER in after["users"]


def test_users_omitted_leave_every_user_alone():
    current = created(SEED)
    after, patch, changes, owned = run(options(users=None), current)
    assert (patch, changes) == ({}, [])
    assert after["users"] == current["spec"]["users"]
    assert owned["users"] == ["shop"], "the record of the module's users is kept"


def test_a_user_the_module_wrote_and_no_longer_lists_is_removed_but_not_others():
    current = created(SEED)
    after, _patch, changes, _owned = run(options(users=[{"name": "orders", "databases": [], "options": None}]), current)
    assert [user["name"] for user in after["users"]] == ["analytics", "orders"]
    assert changes == [{"field": "spec.users[shop]", "before": {"name": "shop", "databases": ["shop"]}, "after": None},
                       {"field": "spec.users[orders]", "before": None, "after": {"name": "orders"}}]


def test_purge_users_owns_the_whole_list():
    current = created(SEED)
    after, _patch, changes, _owned = run(options(purge_users=True), current)
    assert after["users"] == [{"name": "shop", "databases": ["shop"]}]
    assert changes == [{"field": "spec.users[analytics]", "before": FOREIGN_USER, "after": None}]
    without = run(options(purge_users=True, users=None), current)[0]
    assert "users" not in without, "no users and purge_users: the operator's default user"


def test_repository_the_module_dropped_goes_and_the_foreign_one_stays():
    current = created(SEED)
    backups = {"repos": [{"name": "repo3", "volume": {"size": "1Gi", "storage_class": None}, "s3": None,
                          "schedules": None}], "global_options": {}, "configuration_secret": None}
    after, _patch, changes, owned = run(options(backups=backups), current)
    assert [repo["name"] for repo in after["backups"]["pgbackrest"]["repos"]] == ["repo2", "repo3"]
    assert [change["field"] for change in changes] == ["spec.backups.pgbackrest.repos[repo1]",
                                                       "spec.backups.pgbackrest.repos[repo3]"]
    assert owned["repos"] == ["repo3"]


def test_renamed_instance_set_replaces_the_module_one_only():
    current = created(SEED)
    current["spec"]["instances"].append({"name": "reporting", "replicas": 1})
    after = run(options(instance_name="set2"), current)[0]
    assert [item["name"] for item in after["instances"]] == ["reporting", "set2"]


def test_global_settings_merge_by_key_and_only_dropped_own_keys_go():
    backups = {"repos": [], "global_options": {"repo1-retention-full": 4}, "configuration_secret": "s3-keys"}
    current = created(options(backups=backups))
    current["spec"]["backups"]["pgbackrest"]["global"]["repo2-retention-full"] = "9"
    current["spec"]["backups"]["pgbackrest"]["configuration"].append({"configMap": {"name": "extra"}})
    fewer = {"repos": [], "global_options": {}, "configuration_secret": None}
    after = run(options(backups=fewer), current)[0]
    assert after["backups"]["pgbackrest"]["global"] == {"repo2-retention-full": "9"}
    assert after["backups"]["pgbackrest"]["configuration"] == [{"configMap": {"name": "extra"}}]
    del current["spec"]["backups"]["pgbackrest"]["configuration"][1]
    assert "configuration" not in run(options(backups=fewer), current)[0]["backups"]["pgbackrest"]


def test_object_without_the_record_keeps_every_item_and_starts_the_record():
    current = created(SEED)
    del current["metadata"]["annotations"]
    after, patch, _changes, owned = run(options(users=[{"name": "orders", "databases": [], "options": None}]), current)
    assert [user["name"] for user in after["users"]] == ["shop", "analytics", "orders"]
    assert owned["users"] == ["orders"]
    assert list(patch) == ["users"]


def test_pgbouncer_off_removes_the_proxy_and_says_so():
    current = created(SEED)
    _after, patch, changes, _owned = run(options(pgbouncer={"enabled": False, "replicas": 1, "service_type": None}),
                                         current)
    assert patch == {"proxy": None}
    assert changes == [{"field": "spec.proxy", "before": current["spec"]["proxy"], "after": None}]
