"""The version -> mechanism decision of service_topology, and the per-Service plan (pure functions)."""
import pytest

from ansible_collections.baremetal.platform.plugins.module_utils import traffic_locality as tl


@pytest.mark.parametrize('version, gate, expected', [
    ((1, 17), False, tl.MECHANISM_TOPOLOGY_KEYS),
    ((1, 21), False, tl.MECHANISM_TOPOLOGY_KEYS),
    ((1, 21), True, tl.MECHANISM_TOPOLOGY_KEYS),
    ((1, 33), True, tl.MECHANISM_PREFER_SAME_NODE),
    ((1, 34), False, tl.MECHANISM_PREFER_SAME_NODE),
    ((1, 36), False, tl.MECHANISM_PREFER_SAME_NODE),
    ((2, 0), False, tl.MECHANISM_PREFER_SAME_NODE),
])
def test_exact_equivalent_where_one_exists(version, gate, expected):
    decision = tl.decide(version, prefer_same_node_gate=gate)
    assert decision.mechanism == expected
    assert decision.warnings == []


def test_topology_keys_are_the_seeds_exact_list():
    decision = tl.decide((1, 20))
    assert (decision.field, decision.value) == ('topologyKeys', ['kubernetes.io/hostname', '*'])


@pytest.mark.parametrize('version', [(1, 22), (1, 30), (1, 32), (1, 33)])
def test_between_versions_default_changes_nothing_and_warns(version):
    decision = tl.decide(version)
    assert decision.mechanism == tl.MECHANISM_NONE
    assert decision.field is None
    assert len(decision.warnings) == 1
    assert '%d.%d' % version in decision.warnings[0]
    assert 'prefer_same_node_gate' in decision.warnings[0]


def test_gate_has_no_effect_below_1_33():
    assert tl.decide((1, 32), prefer_same_node_gate=True).mechanism == tl.MECHANISM_NONE


def test_internal_traffic_policy_fallback_carries_the_drop_caveat():
    decision = tl.decide((1, 25), fallback='internal_traffic_policy_local')
    assert (decision.field, decision.value) == ('internalTrafficPolicy', 'Local')
    assert 'DROPS' in decision.warnings[0]


def test_prefer_close_fallback_from_1_31():
    decision = tl.decide((1, 31), fallback='prefer_close')
    assert (decision.field, decision.value) == ('trafficDistribution', 'PreferClose')
    assert decision.warnings


def test_prefer_close_refused_before_1_31():
    with pytest.raises(tl.LocalityError, match='1.31'):
        tl.decide((1, 30), fallback='prefer_close')


def test_too_old_and_unknown_fallback_are_refused():
    with pytest.raises(tl.LocalityError, match='1.17'):
        tl.decide((1, 16))
    with pytest.raises(tl.LocalityError, match='fallback'):
        tl.decide((1, 34), fallback='sometimes')


def _service(**spec):
    return {'metadata': {'namespace': 'shop', 'name': 'cart'}, 'spec': dict({'type': 'ClusterIP'}, **spec)}


def test_plan_patches_exactly_the_decided_field():
    patch, reason = tl.plan_service(_service(), tl.decide((1, 34)))
    assert patch == {'spec': {'trafficDistribution': 'PreferSameNode'}}
    assert reason is None
    patch, _reason = tl.plan_service(_service(), tl.decide((1, 19)))
    assert patch == {'spec': {'topologyKeys': ['kubernetes.io/hostname', '*']}}


def test_plan_leaves_matching_services_alone():
    assert tl.plan_service(_service(trafficDistribution='PreferSameNode'), tl.decide((1, 34))) == (None, None)
    assert tl.plan_service(_service(topologyKeys=['kubernetes.io/hostname', '*']), tl.decide((1, 18))) == (None, None)


def test_plan_replaces_another_distribution():
    patch, _reason = tl.plan_service(_service(trafficDistribution='PreferSameZone'), tl.decide((1, 35)))
    assert patch == {'spec': {'trafficDistribution': 'PreferSameNode'}}


def test_plan_reports_but_does_not_fight_internal_traffic_policy_local():
    patch, reason = tl.plan_service(_service(internalTrafficPolicy='Local'), tl.decide((1, 34)))
    assert patch is None
    assert 'internalTrafficPolicy Local' in reason


def test_plan_skips_external_name_services():
    patch, reason = tl.plan_service(_service(type='ExternalName', externalName='db.example.com'), tl.decide((1, 34)))
    assert patch is None
    assert 'ExternalName' in reason


def test_plan_with_no_mechanism_does_nothing():
    assert tl.plan_service(_service(), tl.decide((1, 30))) == (None, None)


def test_stale_topology_keys_only_on_new_servers():
    service = _service(topologyKeys=['*'])
    assert tl.stale_topology_keys(service, (1, 22))
    assert not tl.stale_topology_keys(service, (1, 21))
    assert not tl.stale_topology_keys(_service(), (1, 34))
