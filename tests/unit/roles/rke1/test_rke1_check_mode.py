"""Check mode of the cluster phase with rke1 on a fresh controller: reports what it would do, writes nothing."""
import hashlib
import json
import os
import shutil
import subprocess
import sys

from rke1_helpers import HERE, REPO_ROOT, SSH_KEY, ansible_playbook  # pylint: disable=import-error

DOUBLE = os.path.join(REPO_ROOT, 'tests', 'doubles', 'rke_test_double')


def test_check_mode_on_a_fresh_controller_writes_nothing(tmp_path):
    inventory_dir = tmp_path / 'inventory'
    inventory_dir.mkdir()
    shutil.copy(os.path.join(HERE, 'inventories', 'seed.yml'), inventory_dir / 'hosts.yml')
    with open(DOUBLE, 'rb') as handle:
        checksum = hashlib.sha256(handle.read()).hexdigest()
    settings = {
        'platform_engine': 'rke1',
        'platform_kubeconfig': str(inventory_dir / 'artifacts' / 'kubeconfig'),
        'platform_admin_private_key_file': SSH_KEY,
        'rke1_binary_url': 'file://' + DOUBLE,
        'rke1_binary_sha256': checksum,
        'rke1_backup_passphrase': 'unit-test-passphrase',
    }
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FACT_CACHING='memory', PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    result = subprocess.run(
        [ansible_playbook(), '-i', str(inventory_dir / 'hosts.yml'), os.path.join(REPO_ROOT, 'playbooks', 'cluster.yml'),
         '--check', '--diff', '-e', json.dumps(settings)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert 'rke up would run because: cluster.rkestate is missing' in output
    # Only the inventory itself: no artifacts directory, no binary, no kubeconfig.
    assert sorted(os.listdir(inventory_dir)) == ['hosts.yml']
