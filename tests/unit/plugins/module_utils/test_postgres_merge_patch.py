"""k8s/merge_patch: the smallest merge patch from owned fields to the object on the server (a PostgresCluster spec)."""
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.merge_patch import (
    apply_patch, matches, merge_patch, owned_view, prune_none,
)

CURRENT = {
    "postgresVersion": 17, "port": 5432,
    "instances": [{"name": "instance1", "replicas": 3, "dataVolumeClaimSpec": {"resources": {"requests": {"storage": "1Gi"}}}}],
    "patroni": {"port": 8008, "dynamicConfiguration": {"synchronous_mode": True, "synchronous_mode_strict": False}},
    "proxy": {"pgBouncer": {"replicas": 1, "port": 5432}},
}


def test_nothing_to_change_when_server_defaults_are_extra():
    desired = {"postgresVersion": 17, "instances": [{"name": "instance1", "replicas": 3}],
               "patroni": {"dynamicConfiguration": {"synchronous_mode": True}}}
    assert merge_patch(desired, CURRENT) == {}


def test_replicas_change_sends_only_the_instance_list():
    desired = {"postgresVersion": 17, "instances": [{"name": "instance1", "replicas": 4}],
               "patroni": {"dynamicConfiguration": {"synchronous_mode": True}}}
    assert merge_patch(desired, CURRENT) == {"instances": [{"name": "instance1", "replicas": 4}]}


def test_sync_mode_change_is_one_nested_field():
    desired = {"patroni": {"dynamicConfiguration": {"synchronous_mode": False}}}
    assert merge_patch(desired, CURRENT) == {"patroni": {"dynamicConfiguration": {"synchronous_mode": False}}}


def test_none_deletes_present_fields_and_ignores_absent_ones():
    assert merge_patch({"proxy": None, "users": None}, CURRENT) == {"proxy": None}


def test_new_subtree_is_sent_without_none_values():
    desired = {"service": {"type": "LoadBalancer", "nodePort": None}}
    assert merge_patch(desired, CURRENT) == {"service": {"type": "LoadBalancer"}}


def test_matches_needs_equal_list_lengths():
    assert not matches([{"name": "a"}], [{"name": "a"}, {"name": "b"}])
    assert matches([{"name": "a"}], [{"name": "a", "replicas": 1}])
    assert not matches({"a": None}, {"a": 1})


def test_prune_none_inside_lists():
    assert prune_none([{"a": None, "b": 1}]) == [{"b": 1}]


def test_owned_view_and_apply_patch_give_a_minimal_diff():
    desired = {"instances": [{"name": "instance1", "replicas": 4}], "patroni": {"dynamicConfiguration": {"synchronous_mode": True}}}
    before = owned_view(CURRENT, desired)
    assert before == {"instances": [{"name": "instance1", "replicas": 3}], "patroni": {"dynamicConfiguration": {"synchronous_mode": True}}}
    after = owned_view(apply_patch(CURRENT, merge_patch(desired, CURRENT)), desired)
    assert after == {"instances": [{"name": "instance1", "replicas": 4}], "patroni": {"dynamicConfiguration": {"synchronous_mode": True}}}
    assert apply_patch(CURRENT, {"proxy": None}).get("proxy") is None
