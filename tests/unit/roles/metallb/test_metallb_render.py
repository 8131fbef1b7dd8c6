"""The metallb role's rendering: custom resources, the 0.9-style ConfigMap and the chart values it derives."""
import json
import os

import pytest
import yaml

from tests import helpers

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
POOLS = [
    {'name': 'public', 'addresses': ['192.168.10.240-192.168.10.250']},
    {'name': 'internal', 'addresses': ['10.50.0.0/28'], 'auto_assign': False, 'avoid_buggy_ips': True},
    {'name': 'routed', 'addresses': ['10.60.0.0/28'], 'protocol': 'bgp'},
]
PEERS = [{'name': 'tor', 'peer_address': '10.0.0.1', 'peer_asn': 64500, 'my_asn': 64501}]


def render(tmp_path, **variables):
    """One ansible-playbook run (they are slow on a busy machine): resources, legacy ConfigMap, derived values."""
    variables = dict({'out_dir': str(tmp_path), 'metallb_address_pools': POOLS}, **variables)
    result = helpers.run_playbook(os.path.join(HERE, 'render.yml'), extra_vars=variables, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

    def load(name):
        return json.loads((tmp_path / name).read_text(encoding='utf-8'))
    return load('resources.json'), load('legacy.json'), load('derived.json')


# Each case is one playbook run; several checks share it.
CASES = {
    'defaults': {'metallb_bgp_peers': PEERS},
    'legacy_local_tgz': {'metallb_address_pools': POOLS[:1], 'metallb_chart_version': '0.12.1', 'metallb_namespace': 'lb',
                         'metallb_chart_ref': '/srv/charts/metallb-0.16.2.tgz'},
    'frr_forced_configmap_oci': {'metallb_frr_enabled': True, 'metallb_config_format': 'configmap',
                                 'metallb_chart_ref': 'oci://registry.example.com/charts/metallb'},
    'old_chart_forced_crds_extra_values': {'metallb_chart_version': '0.12.1', 'metallb_config_format': 'crds', 'metallb_chart_ref': './charts/metallb',
                                           'metallb_chart_values': {'speaker': {'frr': {'enabled': True}, 'tolerations': []}}},
}


@pytest.fixture(scope='module', name='rendered')
def rendered_fixture(tmp_path_factory):
    cache = {}

    def get(case):
        if case not in cache:
            cache[case] = render(tmp_path_factory.mktemp(case), **CASES[case])
        return cache[case]
    return get


def test_custom_resources_per_pool(rendered):
    resources, _legacy, _derived = rendered('defaults')
    kinds = [(item['kind'], item['metadata']['name']) for item in resources]
    assert kinds == [('IPAddressPool', 'public'), ('L2Advertisement', 'public'),
                     ('IPAddressPool', 'internal'), ('L2Advertisement', 'internal'),
                     ('IPAddressPool', 'routed'), ('BGPAdvertisement', 'routed'),
                     ('BGPPeer', 'tor')]
    assert all(item['metadata']['namespace'] == 'metallb-system' for item in resources)
    internal = resources[2]
    assert internal['apiVersion'] == 'metallb.io/v1beta1'
    assert internal['spec'] == {'addresses': ['10.50.0.0/28'], 'autoAssign': False, 'avoidBuggyIPs': True}
    assert resources[3]['spec'] == {'ipAddressPools': ['internal']}
    assert resources[6]['apiVersion'] == 'metallb.io/v1beta2'
    assert resources[6]['spec'] == {'peerAddress': '10.0.0.1', 'peerASN': 64500, 'myASN': 64501}


def test_legacy_configmap_is_the_0_9_form(rendered):
    _resources, legacy, _derived = rendered('defaults')
    assert (legacy['kind'], legacy['metadata']) == ('ConfigMap', {'name': 'config', 'namespace': 'metallb-system'})
    config = yaml.safe_load(legacy['data']['config'])
    assert config == {
        'peers': [{'peer-address': '10.0.0.1', 'peer-asn': 64500, 'my-asn': 64501}],
        'address-pools': [
            {'name': 'public', 'protocol': 'layer2', 'addresses': ['192.168.10.240-192.168.10.250']},
            {'name': 'internal', 'protocol': 'layer2', 'auto-assign': False, 'avoid-buggy-ips': True,
             'addresses': ['10.50.0.0/28']},
            {'name': 'routed', 'protocol': 'bgp', 'addresses': ['10.60.0.0/28']},
        ],
    }


def test_legacy_configmap_without_peers_has_only_pools(rendered):
    _resources, legacy, _derived = rendered('legacy_local_tgz')
    assert legacy['metadata'] == {'name': 'config', 'namespace': 'lb'}
    assert yaml.safe_load(legacy['data']['config']) == {
        'address-pools': [{'name': 'public', 'protocol': 'layer2', 'addresses': ['192.168.10.240-192.168.10.250']}]}


L2_ONLY = {'speaker': {'frr': {'enabled': False}}, 'frrk8s': {'enabled': False}}


@pytest.mark.parametrize('case, legacy, local, values', [
    ('defaults', False, False, L2_ONLY),
    ('legacy_local_tgz', True, True, {'existingConfigMap': 'config'}),
    ('frr_forced_configmap_oci', True, False, {'existingConfigMap': 'config'}),
    ('old_chart_forced_crds_extra_values', False, True, {'speaker': {'frr': {'enabled': True}, 'tolerations': []}, 'frrk8s': {'enabled': False}}),
])
def test_derived_format_chart_values_and_locality(rendered, case, legacy, local, values):
    _resources, _legacy, derived = rendered(case)
    assert derived['legacy'] is legacy
    assert derived['local'] is local
    assert derived['values'] == values
