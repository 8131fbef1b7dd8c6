"""service_topology against real kube-apiservers: the default lab version (>= 1.34) and an older one (1.32).

Services need no pods for this: the module only reads and patches Service specs, which the API server
validates and stores (or drops, when a feature gate is off).
"""
import json

import pytest

from tests import helpers
from tests.fixtures.lab_k8s import SESSION_NAME

pytestmark = pytest.mark.k8s

# The older control plane for the "no exact equivalent" path; the lab pins its Go build (tools/lab/k8s/gomod).
OLD_VERSION = 'v1.32.13'
SHOP = 'st-shop'
OTHER = 'st-other'
SERVICES = [
    (SHOP, 'cart', 'back', {}),
    (SHOP, 'catalog', 'back', {'trafficDistribution': 'PreferSameNode'}),
    (SHOP, 'cache', 'back', {'internalTrafficPolicy': 'Local'}),
    (SHOP, 'frontend', 'edge', {}),
    (SHOP, 'api-gateway', 'edge', {}),
    (OTHER, 'billing', 'back', {}),
]


def run_module(lab, tmp_path, args, check=False, diff=False, auth_from_env=False):
    """Run the module in a one-task playbook; return its result dict (json callback)."""
    if not auth_from_env:
        args = dict(args, kubeconfig=lab.kubeconfig)
    playbook = helpers.write_playbook(tmp_path / 'play.json', [{'hosts': 'localhost', 'gather_facts': False,
                                      'tasks': [{'name': 'topology', 'baremetal.platform.service_topology': args}]}])
    env = lab.env
    if auth_from_env:
        env.pop('KUBECONFIG', None)  # only K8S_AUTH_KUBECONFIG is left to find the cluster
    arguments = (['--check'] if check else []) + (['--diff'] if diff else [])
    completed = helpers.run_playbook(playbook, *arguments, env=env, settings={'ANSIBLE_STDOUT_CALLBACK': 'ansible.posix.json'})
    try:
        output = json.loads(completed.stdout)
    except ValueError:
        pytest.fail('ansible-playbook printed no JSON: %s %s' % (completed.stdout, completed.stderr))
    return output['plays'][0]['tasks'][0]['hosts']['localhost']


def spec(lab, namespace, name):
    return lab.kubectl_json('get', 'service', '-n', namespace, name)['spec']


def create_services(lab, older=False):
    """The shop's Services; on the older server PreferSameNode does not exist, so catalog has PreferClose."""
    for namespace in (SHOP, OTHER):
        lab.apply({'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': namespace}})
    for namespace, name, tier, extra in SERVICES:
        if older and extra.get('trafficDistribution') == 'PreferSameNode':
            extra = dict(extra, trafficDistribution='PreferClose')
        lab.apply({'apiVersion': 'v1', 'kind': 'Service',
                   'metadata': {'name': name, 'namespace': namespace, 'labels': {'tier': tier}},
                   'spec': dict({'selector': {'app': name}, 'ports': [{'port': 80}]}, **extra)})


def delete_services(lab):
    # The Services, not their namespaces: an apiserver-only control plane (the older version)
    # has no namespace controller, so a deleted namespace would stay Terminating for good.
    for namespace in (SHOP, OTHER):
        lab.kubectl('delete', 'service', '--all', '-n', namespace, '--ignore-not-found', '--wait=true', '--timeout=60s', check=False)


@pytest.fixture(name='shop')
def shop_fixture(lab_k8s):
    create_services(lab_k8s)
    try:
        yield lab_k8s
    finally:
        delete_services(lab_k8s)


@pytest.fixture(scope='module', name='old_plane')
def old_plane_fixture(lab_k8s_factory):
    return lab_k8s_factory(SESSION_NAME[:5] + 'old', version=OLD_VERSION, apiserver_only=True)


@pytest.fixture(name='old_shop')
def old_shop_fixture(old_plane):
    create_services(old_plane, older=True)
    try:
        yield old_plane
    finally:
        delete_services(old_plane)


SEED_SELECTION = {'namespaces': [SHOP], 'exclude': ['frontend', 'api-gateway']}


def test_prefer_same_node_on_a_current_server_check_diff_apply_idempotent(shop, tmp_path):
    lab = shop
    checked = run_module(lab, tmp_path, SEED_SELECTION, check=True, diff=True)
    assert checked['changed'] is True
    assert checked['mechanism'] == 'prefer_same_node'
    assert [(item['namespace'], item['name']) for item in checked['changed_services']] == [(SHOP, 'cart')]
    assert checked['diff']['after'][SHOP + '/cart']['trafficDistribution'] == 'PreferSameNode'
    assert 'trafficDistribution' not in spec(lab, SHOP, 'cart'), 'check mode wrote to the API'

    applied = run_module(lab, tmp_path, SEED_SELECTION)
    assert applied['changed'] is True
    assert applied['server_version'] == lab.version
    assert (applied['field'], applied['value']) == ('trafficDistribution', 'PreferSameNode')
    assert spec(lab, SHOP, 'cart')['trafficDistribution'] == 'PreferSameNode'
    assert sorted(applied['excluded']) == [SHOP + '/api-gateway', SHOP + '/frontend']
    for excluded in ('frontend', 'api-gateway'):
        assert 'trafficDistribution' not in spec(lab, SHOP, excluded)
    # A user's internalTrafficPolicy Local is reported, not fought.
    assert [item['name'] for item in applied['skipped_services']] == ['cache']
    assert spec(lab, SHOP, 'cache')['internalTrafficPolicy'] == 'Local'
    assert 'trafficDistribution' not in spec(lab, SHOP, 'cache')
    assert 'trafficDistribution' not in spec(lab, OTHER, 'billing')

    again = run_module(lab, tmp_path, SEED_SELECTION)
    assert again['changed'] is False
    assert again['changed_services'] == []
    assert sorted(again['unchanged']) == [SHOP + '/cart', SHOP + '/catalog']


def test_namespace_set_and_label_selector_with_env_auth(shop, tmp_path):
    lab = shop
    result = run_module(lab, tmp_path, {'namespaces': [SHOP, OTHER], 'label_selectors': ['tier=back'], 'exclude': [SHOP + '/cart']},
                        auth_from_env=True)
    assert result['matched'] == 4  # cart, catalog, cache, billing: not the edge tier
    assert [(item['namespace'], item['name']) for item in result['changed_services']] == [(OTHER, 'billing')]
    assert spec(lab, OTHER, 'billing')['trafficDistribution'] == 'PreferSameNode'
    assert 'trafficDistribution' not in spec(lab, SHOP, 'cart')


def test_older_server_warns_and_changes_nothing_by_default(old_shop, tmp_path):
    lab = old_shop
    for args in (SEED_SELECTION, dict(SEED_SELECTION, prefer_same_node_gate=True)):
        result = run_module(lab, tmp_path, args)
        assert result['changed'] is False
        assert result['mechanism'] == 'none'
        assert result['server_version'] == OLD_VERSION
        assert any('Kubernetes 1.32 has no "same node first' in warning for warning in result['warnings'])
    assert 'trafficDistribution' not in spec(lab, SHOP, 'cart')


def test_older_server_applies_only_the_fallback_the_user_chose(old_shop, tmp_path):
    lab = old_shop
    close = run_module(lab, tmp_path, dict(SEED_SELECTION, fallback='prefer_close'))
    assert close['changed'] is True
    assert close['mechanism'] == 'prefer_close'
    assert spec(lab, SHOP, 'cart')['trafficDistribution'] == 'PreferClose'
    assert any('PreferClose' in warning for warning in close['warnings'])
    assert run_module(lab, tmp_path, dict(SEED_SELECTION, fallback='prefer_close'))['changed'] is False

    local = run_module(lab, tmp_path, {'namespaces': [OTHER], 'fallback': 'internal_traffic_policy_local'})
    assert local['changed'] is True
    assert spec(lab, OTHER, 'billing')['internalTrafficPolicy'] == 'Local'
    assert any('DROPS' in warning for warning in local['warnings'])
