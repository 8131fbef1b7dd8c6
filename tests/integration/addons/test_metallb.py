"""Roles helm and metallb on the lab control plane, with the real MetalLB controller and upstream CRDs.

The chart is the local fixture standing in for metallb/metallb (no network); every other role variable keeps
its upstream default. Pools use documentation addresses (RFC 5737): they only appear in Service status.
"""
import hashlib
import ipaddress
import os

import pytest

from tests import helpers
from tests.integration.addons.conftest import CHARTS, REPO_ROOT

pytestmark = pytest.mark.k8s

POOL = '192.0.2.64/28'
RELEASE = 'metallb'


def metallb_vars(**extra):
    """The role's variables for the lab: the fixture chart (no repository to add) and one pool."""
    variables = {
        'metallb_chart_repo_url': '',
        'metallb_chart_ref': os.path.join(CHARTS, 'metallb'),
        'metallb_address_pools': [{'name': 'st-pool', 'addresses': [POOL]}],
        # The pools are documentation addresses outside the example nodes' subnet: say so, as a
        # user whose layer2 pool sits on another routed subnet would.
        'metallb_layer2_subnets': ['192.0.2.0/24'],
    }
    variables.update(extra)
    return variables


def run_check_mode(addons, names, extra_vars):
    """playbooks/addons.yml with --check, as AddonsRunner.run would run it otherwise."""
    variables = addons.base_vars()
    variables.update({'platform_addons_' + name: True for name in names})
    variables.update(extra_vars)
    return helpers.run_playbook(os.path.join(REPO_ROOT, 'playbooks', 'addons.yml'), '--check', '--diff',
                                inventory=os.path.join(REPO_ROOT, 'inventories', 'prod'), connection=None, interpreter=None,
                                extra_vars=variables, env=addons.lab.env, timeout=900)


def _exists(lab, *what):
    return lab.kubectl('get', *what, check=False).returncode == 0


@pytest.fixture(name='metallb_lab')
def metallb_lab_fixture(addons, metallb_controller):
    """The real controller runs in metallb-system; everything the role adds there is removed afterwards."""
    try:
        yield addons
    finally:
        # Services first, then their pool: MetalLB keeps its old configuration (and refuses every
        # later pool change) while a Service still holds an IP of a removed pool.
        addons.lab.kubectl('delete', 'namespace', 'st-lb', '--ignore-not-found', '--wait=true', '--timeout=120s', check=False)
        addons.lab.helm('uninstall', RELEASE, '-n', metallb_controller, check=False)
        addons.lab.kubectl('delete', 'l2advertisement,ipaddresspool', '-n', metallb_controller, 'st-pool', '--ignore-not-found', check=False)


def test_helm_then_metallb_converge_and_a_load_balancer_gets_a_pool_address(metallb_lab, tmp_path, metallb_controller):
    lab = metallb_lab.lab
    with open(lab.helm_path, 'rb') as handle:
        checksum = hashlib.sha256(handle.read()).hexdigest()
    helm_binary = str(tmp_path / 'bin' / 'helm')
    helm_vars = {
        # The lab's helm, built from Go modules at this version, stands in for the release archive.
        'helm_version': 'v3.22.0',
        'helm_source_url': 'file://' + lab.helm_path,
        'helm_checksum': 'sha256:' + checksum,
        'platform_helm_binary': helm_binary,
        'helm_download_dir': str(tmp_path / 'downloads'),
    }
    # Check mode first (with the lab's helm: in check mode the helm role installs nothing metallb could use).
    check = run_check_mode(metallb_lab, ['metallb'], metallb_vars())
    assert check.returncode == 0, check.stdout + check.stderr
    assert lab.helm('status', RELEASE, '-n', metallb_controller, check=False).returncode != 0, 'check mode installed the chart'
    assert not _exists(lab, 'ipaddresspool', '-n', metallb_controller, 'st-pool'), 'check mode wrote a pool'

    metallb_lab.converge(['helm', 'metallb'], metallb_vars(**helm_vars))
    assert os.access(helm_binary, os.X_OK)

    pool = lab.kubectl_json('get', 'ipaddresspool', '-n', metallb_controller, 'st-pool')
    assert pool['spec']['addresses'] == [POOL]
    advertisement = lab.kubectl_json('get', 'l2advertisement', '-n', metallb_controller, 'st-pool')
    assert advertisement['spec']['ipAddressPools'] == ['st-pool']
    labels = lab.kubectl_json('get', 'namespace', metallb_controller)['metadata']['labels']
    assert labels['pod-security.kubernetes.io/enforce'] == 'privileged'
    # The L2-only values reached the chart.
    values = lab.kubectl_json('get', 'configmap', '-n', metallb_controller, RELEASE + '-fixture-values')['data']
    assert (values['speaker-frr-enabled'], values['frrk8s-enabled']) == ('false', 'false')

    lab.kubectl('create', 'namespace', 'st-lb')
    lab.apply({'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'web', 'namespace': 'st-lb'},
               'spec': {'type': 'LoadBalancer', 'selector': {'app': 'web'}, 'ports': [{'port': 80}]}})

    def ingress():
        return lab.kubectl_json('get', 'service', '-n', 'st-lb', 'web')['status'].get('loadBalancer', {}).get('ingress')
    address = lab.wait_for('an external IP on service st-lb/web from the MetalLB controller', ingress, timeout=90)[0]['ip']
    assert ipaddress.ip_address(address) in ipaddress.ip_network(POOL)


def test_overlapping_pools_fail_before_any_api_write(addons):
    run = addons.run(['metallb'], metallb_vars(
        metallb_namespace='st-metallb-bad',
        metallb_address_pools=[{'name': 'a', 'addresses': ['192.0.2.128/27']},
                               {'name': 'b', 'addresses': ['192.0.2.150-192.0.2.170']}]))
    assert run.returncode != 0
    assert "192.0.2.128/27 (pool 'a') overlaps 192.0.2.150-192.0.2.170 (pool 'b')" in run.output
    assert 'nothing was changed' in run.output
    assert not addons.namespace_exists('st-metallb-bad')
    assert addons.lab.helm('status', RELEASE, '-n', 'st-metallb-bad', check=False).returncode != 0


def test_pool_with_an_inventory_node_address_is_refused(addons):
    # 203.0.113.11 is node1's ansible_host in the example inventory.
    run = addons.run(['metallb'], metallb_vars(metallb_namespace='st-metallb-bad',
                                               metallb_address_pools=[{'name': 'a', 'addresses': ['203.0.113.0/28']}]))
    assert run.returncode != 0
    assert 'contains the node address 203.0.113.11' in run.output
    assert not addons.namespace_exists('st-metallb-bad')


@pytest.fixture(name='scratch_namespace')
def scratch_namespace_fixture(addons, request):
    """A namespace of its own per test, away from the real controller's; removed with its release afterwards."""
    name = 'st-mlb-' + request.node.name.split('_')[1]
    try:
        yield name
    finally:
        addons.lab.helm('uninstall', RELEASE, '-n', name, check=False)
        addons.lab.kubectl('delete', 'namespace', name, '--ignore-not-found', '--wait=false', check=False)


def test_waits_for_a_ready_webhook_endpoint_then_applies(addons, metallb_controller, scratch_namespace):  # pylint: disable=unused-argument
    run = addons.run(['metallb'], metallb_vars(metallb_namespace=scratch_namespace,
                                               metallb_chart_values={'fixture': {'webhook': {'enabled': True, 'ready': True}}}))
    assert run.returncode == 0, run.output
    assert "Poll the webhook service's EndpointSlices" in run.output
    assert 'No Service' not in run.output
    assert _exists(addons.lab, 'ipaddresspool', '-n', scratch_namespace, 'st-pool')


def test_webhook_without_ready_endpoint_fails_clearly_without_applying(addons, metallb_controller, scratch_namespace):  # pylint: disable=unused-argument
    run = addons.run(['metallb'], metallb_vars(metallb_namespace=scratch_namespace, metallb_webhook_wait_retries=2,
                                               metallb_chart_values={'fixture': {'webhook': {'enabled': True, 'ready': False}}}))
    assert run.returncode != 0
    assert 'has no ready endpoint' in run.output
    assert not _exists(addons.lab, 'ipaddresspool', '-n', scratch_namespace, 'st-pool')


def test_old_metallb_gets_the_0_9_configmap(addons, metallb_controller, scratch_namespace):  # pylint: disable=unused-argument
    variables = metallb_vars(metallb_namespace=scratch_namespace, metallb_chart_version='0.12.1')
    addons.converge(['metallb'], variables)
    config = addons.lab.kubectl_json('get', 'configmap', '-n', scratch_namespace, 'config')['data']['config']
    assert '- name: st-pool\n  protocol: layer2\n  addresses:\n  - ' + POOL in config
    values = addons.lab.kubectl_json('get', 'configmap', '-n', scratch_namespace, RELEASE + '-fixture-values')['data']
    assert values['existing-config-map'] == 'config'
    assert not _exists(addons.lab, 'ipaddresspool', '-n', scratch_namespace, 'st-pool')
