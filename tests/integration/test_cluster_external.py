"""The cluster phase with platform_engine external: an existing cluster given by its kubeconfig.

The lab's real control plane stands in for the existing cluster; the failure
cases need no lab (a missing file, a closed port on 127.0.0.1).
"""
import os
import socket
from pathlib import Path

import pytest
import yaml

from tests import helpers

REPOSITORY = Path(__file__).resolve().parents[2]


def run_cluster_phase(tmp_path, kubeconfig, env=None):
    """ansible-playbook playbooks/cluster.yml with an inventory that has no nodes; returns (code, output)."""
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {
        'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}},
        'children': {'k8s_cluster': {'hosts': {}}}}}), encoding='utf-8')
    settings = {'platform_engine': 'external', 'platform_kubeconfig': str(kubeconfig)}
    environment = dict(env or os.environ)
    # The phase must use the kubeconfig it is given, not one from the environment.
    for name in ('KUBECONFIG', 'K8S_AUTH_KUBECONFIG'):
        environment.pop(name, None)
    result = helpers.run_playbook(REPOSITORY / 'playbooks' / 'cluster.yml', inventory=str(inventory), connection=None,
                                  interpreter=None, extra_vars=settings, env=environment)
    return result.returncode, result.stdout + result.stderr


def closed_local_port():
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def test_missing_kubeconfig_is_reported(tmp_path):
    code, output = run_cluster_phase(tmp_path, tmp_path / 'no-such-kubeconfig')
    assert code != 0, output
    assert 'platform_engine is external but there is no kubeconfig at' in output


def test_unreachable_api_server_is_reported(tmp_path):
    kubeconfig = tmp_path / 'kubeconfig'
    kubeconfig.write_text(yaml.safe_dump({
        'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'gone',
        'clusters': [{'name': 'gone', 'cluster': {'server': f'https://127.0.0.1:{closed_local_port()}', 'insecure-skip-tls-verify': True}}],
        'contexts': [{'name': 'gone', 'context': {'cluster': 'gone', 'user': 'nobody'}}],
        'users': [{'name': 'nobody', 'user': {'token': 'not-a-token'}}],
    }), encoding='utf-8')
    code, output = run_cluster_phase(tmp_path, kubeconfig)
    assert code != 0, output
    assert 'does not answer' in output


@pytest.mark.lab
@pytest.mark.k8s
def test_reachable_external_cluster_passes(tmp_path, lab_k8s):
    code, output = run_cluster_phase(tmp_path, lab_k8s.kubeconfig)
    assert code == 0, output
    assert 'The external cluster answers: Kubernetes ' + lab_k8s.version in output
