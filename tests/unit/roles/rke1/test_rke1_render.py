"""cluster.yml rendered by the rke1 role from example inventories, compared with golden files."""
import os

import pytest
import yaml

from rke1_helpers import HERE, SSH_KEY, render  # pylint: disable=import-error

SEED_SETTINGS = {
    # The seed moved the nginx ingress to 8080/8443 so that Istio owns 80/443,
    # and bound OpenEBS' local volumes into the kubelet.
    'rke1_ingress_http_port': 8080,
    'rke1_ingress_https_port': 8443,
    'rke1_kubelet_extra_binds': ['/var/openebs/local:/var/openebs/local'],
}
HA_SETTINGS = {
    'rke1_cluster_name': 'prod',
    'rke1_network_plugin': 'calico',
    'rke1_etcd_snapshot': False,
    'rke1_etcd_backup_retention': 12,
    'rke1_etcd_backup_s3': {'endpoint': 's3.example.com', 'bucket_name': 'etcd', 'folder': 'prod',
                            'access_key': 'AKIAEXAMPLE', 'secret_key': 'not-a-real-secret'},
    'rke1_cluster_extra_config': {'authentication': {'strategy': 'x509', 'sans': ['k8s.example.com']},
                                  'services': {'kubelet': {'extra_args': {'max-pods': '150'}}}},
}
CASES = [
    ('seed.yml', SEED_SETTINGS, 'seed_3node.cluster.yml.golden'),
    ('ha.yml', HA_SETTINGS, 'ha_4node_s3.cluster.yml.golden'),
]


def golden(name):
    with open(os.path.join(HERE, 'golden', name), encoding='utf-8') as handle:
        return handle.read().replace('__SSH_KEY__', SSH_KEY)


@pytest.mark.parametrize('inventory, settings, golden_name', CASES)
def test_rendered_cluster_yml_matches_golden_file(tmp_path, inventory, settings, golden_name):
    result = render(inventory, tmp_path, settings)
    assert result.returncode == 0, result.stdout + result.stderr
    rendered = (tmp_path / 'cluster.yml').read_text(encoding='utf-8')
    assert rendered == golden(golden_name)


def test_seed_cluster_yml_has_the_seeds_topology(tmp_path):
    """Independent of the golden file: what the seed's cluster needs is in cluster.yml."""
    result = render('seed.yml', tmp_path, SEED_SETTINGS)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((tmp_path / 'cluster.yml').read_text(encoding='utf-8'))
    roles = {node['hostname_override']: node['role'] for node in config['nodes']}
    assert roles == {'node1': ['controlplane', 'etcd', 'worker'], 'node2': ['worker'], 'node3': ['worker']}
    assert {node['user'] for node in config['nodes']} == {'kubeuser'}
    assert config['ingress'] == {'provider': 'nginx', 'http_port': 8080, 'https_port': 8443}
    assert config['services']['etcd']['creation'] == '6h'
    assert config['services']['etcd']['backup_config']['enabled'] is True
    assert (tmp_path / 'cluster.yml').stat().st_mode & 0o777 == 0o600


def test_secret_of_s3_backups_stays_out_of_the_output(tmp_path):
    result = render('ha.yml', tmp_path, HA_SETTINGS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'not-a-real-secret' in (tmp_path / 'cluster.yml').read_text(encoding='utf-8')
    assert 'not-a-real-secret' not in result.stdout + result.stderr
