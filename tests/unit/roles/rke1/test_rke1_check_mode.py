"""Check mode of the cluster phase with rke1 on a fresh controller: reports what it would do, writes nothing."""
import hashlib
import os
import shutil
import sys

from rke1_helpers import HERE, REPO_ROOT, SSH_KEY  # pylint: disable=import-error
from tests import helpers

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
    # The double is a Python script that needs PyYAML: the venv's python first on PATH.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    result = helpers.run_playbook(os.path.join(REPO_ROOT, 'playbooks', 'cluster.yml'), '--check', '--diff',
                                  inventory=str(inventory_dir / 'hosts.yml'), connection=None, interpreter=None,
                                  extra_vars=settings, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert 'rke up would run because: cluster.rkestate is missing' in output
    # Only the inventory itself: no artifacts directory, no binary, no kubeconfig.
    assert sorted(os.listdir(inventory_dir)) == ['hosts.yml']
