"""The cluster phase with platform_engine rke1 against real lab hosts.

The real rke cannot run here (it pulls container images onto the nodes), so the
role installs tests/doubles/rke_test_double as its binary, from a file:// URL
with its real sha256, exactly as an air-gapped controller would. The double
checks its arguments and cluster.yml, logs in to every lab node over SSH as the
admin user with the admin key, records each call and writes the state files.

The tests build on each other in file order (one cluster's life): first run,
nothing changed, node added (check mode first), failing run, recovery.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import helpers

pytestmark = pytest.mark.lab

REPOSITORY = Path(__file__).resolve().parents[2]
DOUBLE = REPOSITORY / 'tests' / 'doubles' / 'rke_test_double'
ADMIN_USER = 'kubeuser'
PASSPHRASE = 'integration-test-passphrase'


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Rke1Cluster:
    """A controller workspace (inventory, vars, artifacts) for one RKE1 cluster on the lab hosts."""

    def __init__(self, root, lab, admin_key):
        self.root = root
        self.lab = lab
        self.admin_key = admin_key
        self.inventory_dir = root / 'inventory'
        self.inventory_dir.mkdir()
        self.artifacts = self.inventory_dir / 'artifacts'
        self.workdir = self.artifacts / 'rke1'
        self.kubeconfig = self.artifacts / 'kubeconfig'
        self.backups = self.artifacts / 'backups'
        self.calls_file = root / 'rke-calls.jsonl'
        binary = root / 'rke_linux-amd64'
        shutil.copy2(DOUBLE, binary)
        self.settings = {
            'platform_engine': 'rke1',
            'platform_kubeconfig': str(self.kubeconfig),
            'platform_admin_user': ADMIN_USER,
            'platform_admin_private_key_file': str(admin_key),
            'rke1_binary_url': binary.as_uri(),
            'rke1_binary_sha256': sha256(binary),
            'rke1_backup_passphrase': PASSPHRASE,
            'rke1_backup_dir': str(self.backups),
            'rke1_up_poll_interval': 1,
            'rke1_ingress_http_port': 8080,
            'rke1_ingress_https_port': 8443,
        }

    def write_inventory(self, workers):
        """node1 is controlplane + etcd + worker (the seed's shape); `workers` are the other nodes."""
        hosts = {host.name: {'ansible_host': host.address} for host in self.lab.hosts}
        first = self.lab.hosts[0].name
        inventory = {'all': {
            'children': {'k8s_cluster': {'children': {
                'k8s_controlplane': {'hosts': {first: None}},
                'k8s_etcd': {'hosts': {first: None}},
                'k8s_worker': {'hosts': dict.fromkeys([first] + list(workers))},
            }}},
            'hosts': dict([('localhost', {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'})]
                          + [(name, hosts[name]) for name in [first] + list(workers)]),
        }}
        (self.inventory_dir / 'hosts.yml').write_text(yaml.safe_dump(inventory), encoding='utf-8')

    def run(self, *arguments, fail=False):
        """ansible-playbook playbooks/cluster.yml; returns (returncode, output)."""
        vars_file = self.root / 'vars.json'
        vars_file.write_text(json.dumps(self.settings), encoding='utf-8')
        venv_bin = os.path.dirname(sys.executable)
        env = dict(os.environ, RKE_TEST_DOUBLE_CALLS=str(self.calls_file), RKE_TEST_DOUBLE_FAIL='1' if fail else '0',
                   # The double is a Python script that needs PyYAML: the venv's python first.
                   PATH=venv_bin + os.pathsep + os.environ.get('PATH', ''))
        result = helpers.run_playbook(REPOSITORY / 'playbooks' / 'cluster.yml', '-e', '@' + str(vars_file), *arguments,
                                      inventory=str(self.inventory_dir / 'hosts.yml'), connection=None, interpreter=None,
                                      env=env, timeout=900)
        return result.returncode, result.stdout + result.stderr

    def calls(self):
        if not self.calls_file.exists():
            return []
        return [json.loads(line) for line in self.calls_file.read_text(encoding='utf-8').splitlines()]

    def state(self):
        """Bytes of the state files in the working directory."""
        return {name: (self.workdir / name).read_bytes() for name in ('cluster.rkestate', 'kube_config_cluster.yml')}


def changed_count(output):
    match = re.search(r'^localhost\s*:\s*ok=\d+\s+changed=(\d+)', output, re.MULTILINE)
    assert match, output
    return int(match.group(1))


@pytest.fixture(scope='module')
def cluster(lab_hosts, tmp_path_factory):
    """Three lab nodes with the admin user (what the nodes phase creates), and a controller workspace."""
    lab = lab_hosts('eng', '10.213.20.0/24', nodes=3)
    root = tmp_path_factory.mktemp('rke1')
    admin_key = root / 'kubeuser_id_ed25519'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'rke1-integration', '-f', str(admin_key)],
                   check=True, capture_output=True)
    public_key = (root / 'kubeuser_id_ed25519.pub').read_text(encoding='utf-8').strip()
    for host in lab.hosts:
        result = lab.ssh(host.name, (
            f"id {ADMIN_USER} >/dev/null 2>&1 || useradd -m -s /bin/bash {ADMIN_USER}; "
            f"install -d -m 700 -o {ADMIN_USER} -g {ADMIN_USER} /home/{ADMIN_USER}/.ssh; "
            f"echo '{public_key}' > /home/{ADMIN_USER}/.ssh/authorized_keys; "
            f"chown {ADMIN_USER}:{ADMIN_USER} /home/{ADMIN_USER}/.ssh/authorized_keys; "
            f"chmod 600 /home/{ADMIN_USER}/.ssh/authorized_keys"))
        assert result.returncode == 0, result.stderr
    workspace = Rke1Cluster(root, lab, admin_key)
    workspace.write_inventory(workers=[lab.hosts[1].name])
    return workspace


def test_first_run_builds_the_cluster_and_hands_over_the_kubeconfig(cluster):
    code, output = cluster.run()
    assert code == 0, output
    calls = cluster.calls()
    assert len(calls) == 1, calls
    assert calls[0]['argv'] == ['up', '--config', 'cluster.yml']
    assert calls[0]['cluster_yml_sha256'] == sha256(cluster.workdir / 'cluster.yml')
    assert calls[0]['addresses'] == [host.address for host in cluster.lab.hosts[:2]]
    config = yaml.safe_load((cluster.workdir / 'cluster.yml').read_text(encoding='utf-8'))
    assert config['ingress']['http_port'] == 8080
    assert {node['user'] for node in config['nodes']} == {ADMIN_USER}
    # The kubeconfig is where the later phases read it, private.
    assert cluster.kubeconfig.read_bytes() == (cluster.workdir / 'kube_config_cluster.yml').read_bytes()
    assert cluster.kubeconfig.stat().st_mode & 0o777 == 0o600
    assert (cluster.workdir / 'cluster.rkestate').stat().st_mode & 0o777 == 0o600
    # The state was backed up, encrypted.
    backups = sorted(cluster.backups.glob('*.vault'))
    assert len(backups) == 1, list(cluster.backups.iterdir())
    assert backups[0].read_bytes().startswith(b'$ANSIBLE_VAULT')
    assert b'rke_test_double' not in backups[0].read_bytes()


def test_second_run_changes_nothing_and_does_not_call_rke(cluster):
    code, output = cluster.run()
    assert code == 0, output
    assert changed_count(output) == 0, output
    assert len(cluster.calls()) == 1


def test_added_node_in_check_mode_changes_nothing(cluster):
    before = sha256(cluster.workdir / 'cluster.yml')
    cluster.write_inventory(workers=[host.name for host in cluster.lab.hosts[1:]])
    code, output = cluster.run('--check')
    assert code == 0, output
    assert 'rke up would run because: cluster.yml changed' in output
    assert len(cluster.calls()) == 1
    assert sha256(cluster.workdir / 'cluster.yml') == before


def test_added_node_runs_rke_up_once(cluster):
    code, output = cluster.run()
    assert code == 0, output
    calls = cluster.calls()
    assert len(calls) == 2, calls
    assert calls[1]['addresses'] == [host.address for host in cluster.lab.hosts]
    assert calls[1]['cluster_yml_sha256'] == sha256(cluster.workdir / 'cluster.yml')
    assert len(list(cluster.backups.glob('*.vault'))) == 2
    code, output = cluster.run()
    assert code == 0 and changed_count(output) == 0, output
    assert len(cluster.calls()) == 2


def test_failing_rke_up_shows_its_log_and_keeps_the_previous_state(cluster):
    before = cluster.state()
    stamp = (cluster.workdir / 'last-successful-up.json').read_bytes()
    cluster.settings['rke1_ingress_http_port'] = 8081
    code, output = cluster.run(fail=True)
    assert code != 0, output
    assert len(cluster.calls()) == 3
    assert 'rke up failed (exit code 1)' in output
    # The tail of rke's log is in the output (YAML-wrapped, so match short pieces).
    assert 'level=fatal' in output and 'rancher/rke-tools' in output
    # The double wrote a partial cluster.rkestate in the run directory; the working one is untouched.
    assert cluster.state() == before
    assert (cluster.workdir / 'last-successful-up.json').read_bytes() == stamp
    assert b'partial' in (cluster.workdir / 'run' / 'cluster.rkestate').read_bytes()
    logs = sorted((cluster.workdir / 'logs').glob('rke-up-*.log'))
    assert logs and 'level=fatal' in logs[-1].read_text(encoding='utf-8')
    assert str(logs[-1]) in output


def test_next_run_after_a_failure_runs_rke_up_again(cluster):
    code, output = cluster.run()
    assert code == 0, output
    calls = cluster.calls()
    assert len(calls) == 4 and not calls[-1]['fail'], calls
    assert yaml.safe_load((cluster.workdir / 'cluster.yml').read_text(encoding='utf-8'))['ingress']['http_port'] == 8081
    assert b'partial' not in (cluster.workdir / 'cluster.rkestate').read_bytes()


def test_wrong_ssh_user_fails_like_rke(cluster):
    """The double really logs in: a user without the key is refused, and the state stays."""
    before = cluster.state()
    cluster.settings['rke1_ssh_user'] = 'nobody-here'
    cluster.settings['platform_admin_user'] = 'nobody-here'
    try:
        code, output = cluster.run()
    finally:
        cluster.settings['platform_admin_user'] = ADMIN_USER
        del cluster.settings['rke1_ssh_user']
    assert code != 0, output
    # rke's message, as the double prints it (YAML-wrapped in the output, so match a short piece).
    assert 'establish dialer connection' in output and 'Permission denied' in output
    assert cluster.state() == before
