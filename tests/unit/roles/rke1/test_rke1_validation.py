"""Every validation the rke1 role makes before rke runs (filter rke1_config_problems), and how the role stops."""
import copy
import json
import os

import pytest

from ansible_collections.baremetal.platform.plugins.filter.rke1_cluster import (
    rke1_cluster_config, rke1_config_problems, parse_rke1_version,
)
from rke1_helpers import SSH_KEY, render  # pylint: disable=import-error

SETTINGS = {'cluster_name': 'rancher', 'kubernetes_version': 'v1.30.14-rancher1-1', 'network_plugin': 'canal',
            'ingress_provider': 'nginx'}


def node(name, address, roles, **extra):
    entry = {'name': name, 'address': address, 'user': 'kubeuser', 'ssh_key_path': SSH_KEY,
             'hostname_override': name, 'roles': roles, 'port': 22}
    entry.update(extra)
    return entry


SEED_NODES = [node('node1', '203.0.113.11', ['controlplane', 'etcd', 'worker']),
              node('node2', '203.0.113.12', ['worker']),
              node('node3', '203.0.113.13', ['worker'])]


def problems(nodes=None, check_files=True, **settings):
    merged = dict(SETTINGS, **settings)
    return rke1_config_problems(rke1_cluster_config(copy.deepcopy(SEED_NODES if nodes is None else nodes), merged),
                                check_files)


def test_seed_cluster_has_no_problems():
    assert problems() == {'errors': [], 'warnings': []}


@pytest.mark.parametrize('nodes, expected', [
    ([], 'no nodes'),
    ([node('a', '10.0.0.1', ['etcd', 'worker'])], 'no controlplane node'),
    ([node('a', '10.0.0.1', ['controlplane', 'worker'])], 'no etcd node'),
    ([node('a', '10.0.0.1', ['controlplane', 'etcd']), node('b', '10.0.0.1', ['worker'])],
     'address 10.0.0.1 is used by more than one node'),
    ([node('a', '10.0.0.1', ['controlplane', 'etcd']), node('a', '10.0.0.2', ['worker'])],
     'hostname a is used by more than one node'),
    ([node('a', '10.0.0.1', ['controlplane', 'etcd']), node('b', '10.0.0.2', [])], 'node b has no role'),
    ([node('a', '10.0.0.1', ['controlplane', 'etcd', 'master'])], 'node a has unknown roles master'),
    ([node('a', '', ['controlplane', 'etcd'])], 'has no address'),
    ([node('a', '10.0.0.1', ['controlplane', 'etcd'], user='')], 'node a has no SSH user'),
    ([node('a', '10.0.0.1', ['controlplane', 'etcd'], ssh_key_path='/nonexistent/id_rsa')],
     'SSH key /nonexistent/id_rsa does not exist on the controller'),
    ([node('a', '10.0.0.1', ['controlplane', 'etcd'], ssh_key_path='')], 'a node has no ssh_key_path'),
])
def test_inventory_errors(nodes, expected):
    errors = problems(nodes)['errors']
    assert any(expected in error for error in errors), errors


def test_even_etcd_count_is_a_warning_not_an_error():
    nodes = [node('a', '10.0.0.1', ['controlplane', 'etcd']), node('b', '10.0.0.2', ['etcd', 'worker'])]
    result = problems(nodes)
    assert result['errors'] == []
    assert len(result['warnings']) == 1 and '2 etcd nodes' in result['warnings'][0]


def test_odd_etcd_counts_do_not_warn():
    nodes = [node('n%d' % i, '10.0.0.%d' % i, ['controlplane', 'etcd', 'worker']) for i in range(1, 4)]
    assert problems(nodes)['warnings'] == []


@pytest.mark.parametrize('version', ['1.30.14', 'v1.30', 'v1.30.14', 'latest', '', None, 'v1.30.14-rke2r1'])
def test_malformed_kubernetes_versions_are_refused(version):
    errors = problems(kubernetes_version=version)['errors']
    assert any('is not an RKE1 version' in error for error in errors), errors


@pytest.mark.parametrize('version, refused', [
    ('v1.29.15-rancher1-1', False),
    ('v1.30.0-rancher1-1', True),
    ('v1.30.14-rancher1-1', True),
    ('v1.31.9-rancher1-1', True),
    # A string compare would call 1.100 older than 1.30.
    ('v1.100.0-rancher1-1', True),
    ('v2.0.0-rancher1-1', True),
    ('v1.9.0-rancher1-1', False),
])
def test_weave_is_refused_from_kubernetes_1_30(version, refused):
    errors = problems(kubernetes_version=version, network_plugin='weave')['errors']
    assert any('weave is refused by RKE' in error for error in errors) is refused, errors


def test_unknown_network_plugin_and_ingress_provider_are_refused():
    errors = problems(network_plugin='cilium', ingress_provider='traefik')['errors']
    assert any("network plugin 'cilium' is unknown" in error for error in errors), errors
    assert any("ingress provider 'traefik' is unknown" in error for error in errors), errors


@pytest.mark.parametrize('port', [0, 70000, 'http'])
def test_ingress_ports_must_be_tcp_ports(port):
    errors = problems(ingress_http_port=port)['errors']
    assert any('ingress http_port' in error for error in errors), errors


def test_key_files_are_not_looked_up_without_check_files():
    nodes = [node('a', '10.0.0.1', ['controlplane', 'etcd'], ssh_key_path='/nonexistent/id_rsa')]
    assert problems(nodes, check_files=False)['errors'] == []


def test_version_parsing_is_numeric():
    assert parse_rke1_version('v1.30.14-rancher1-1') == (1, 30, 14)
    assert parse_rke1_version('v1.30.14-rancher1') == (1, 30, 14)
    assert parse_rke1_version('v1.30.14') is None


def test_extra_config_merges_nested_keys():
    config = rke1_cluster_config(copy.deepcopy(SEED_NODES), dict(
        SETTINGS, kubelet_extra_binds=['/a:/a'], extra_config={'services': {'kubelet': {'extra_args': {'v': '2'}}}}))
    assert config['services']['kubelet'] == {'extra_binds': ['/a:/a'], 'extra_args': {'v': '2'}}


# The role stops before it writes anything.

def test_role_refuses_a_malformed_binary_checksum(tmp_path):
    result = render('seed.yml', tmp_path / 'work', {'rke1_binary_sha256': 'abc123'})
    assert result.returncode != 0
    flat = ' '.join(result.stdout.split())
    assert 'rke1_binary_sha256="abc123": not 64 hex digits' in flat and 'sha256sum.txt' in flat
    assert not (tmp_path / 'work').exists()


def test_role_refuses_a_local_binary_without_its_checksum(tmp_path):
    """A file:// binary has no checksum file to read: the air-gapped user gives its sha256."""
    settings = {'rke1_binary_sha256': '', 'rke1_binary_url': 'file:///srv/mirror/rke_linux-amd64'}
    result = render('seed.yml', tmp_path / 'work', settings)
    assert result.returncode != 0
    flat = ' '.join(result.stdout.split())
    assert 'rke1_binary_checksum_url="file:///srv/mirror/sha256sum.txt"' in flat
    assert 'is no http(s) URL; set rke1_binary_sha256' in flat
    assert not (tmp_path / 'work').exists()


@pytest.mark.parametrize('last, expected', [
    ({'rke_version': 'v1.8.14', 'rke_sha256': 'b' * 64}, 'last built with rke v1.8.14 and Kubernetes (not recorded)'),
    ({'rke_version': 'v1.6.3', 'kubernetes_version': 'v1.30.14-rancher1-1'},
     'last built with rke v1.6.3 and Kubernetes v1.30.14-rancher1-1'),
])
def test_role_refuses_to_downgrade_an_existing_cluster(tmp_path, last, expected):
    """The stamp of the last successful rke up names a newer rke or Kubernetes than this run would use."""
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'last-successful-up.json').write_text(json.dumps(last), encoding='utf-8')
    result = render('seed.yml', work)
    assert result.returncode != 0
    flat = ' '.join(result.stdout.split())
    assert expected in flat and 'RKE does not downgrade' in flat and 'Nothing was changed' in flat
    assert sorted(os.listdir(work)) == ['last-successful-up.json']


def test_same_or_newer_versions_than_the_last_run_pass(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'last-successful-up.json').write_text(json.dumps(
        {'rke_version': 'v1.5.14', 'kubernetes_version': 'v1.30.5-rancher1-1'}), encoding='utf-8')
    result = render('seed.yml', work)
    assert result.returncode == 0, result.stdout


def test_default_binary_needs_no_checksum_setting(tmp_path):
    """The defaults pass the preflight: the release's sha256sum.txt is read at install time."""
    result = render('seed.yml', tmp_path / 'work', {'rke1_binary_sha256': ''})
    assert result.returncode == 0, result.stdout
    assert (tmp_path / 'work' / 'cluster.yml').is_file()


def test_role_refuses_weave_with_a_clear_message(tmp_path):
    result = render('seed.yml', tmp_path / 'work', {'rke1_network_plugin': 'weave'})
    assert result.returncode != 0
    flat = ' '.join(result.stdout.split())
    assert 'The rke1 settings are not valid, nothing was changed' in flat
    assert 'rke1 cluster.yml (built from the inventory): network plugin' in flat
    assert 'weave is refused by RKE for Kubernetes >= 1.30' in flat
    assert not (tmp_path / 'work').exists()


def test_role_refuses_a_missing_ssh_key(tmp_path):
    result = render('seed.yml', tmp_path / 'work', {'platform_admin_private_key_file': str(tmp_path / 'missing_key')})
    assert result.returncode != 0
    assert 'missing_key does not exist on the controller' in result.stdout
    assert not (tmp_path / 'work').exists()


def test_role_refuses_to_run_without_backup_passphrase(tmp_path):
    result = render('seed.yml', tmp_path / 'work', {'rke1_backup_passphrase': ''})
    assert result.returncode != 0
    flat = ' '.join(result.stdout.split())
    assert 'rke1_backup_passphrase=(0 characters)' in flat and 'set vault_rkestate_backup_passphrase' in flat
    assert not (tmp_path / 'work').exists()
