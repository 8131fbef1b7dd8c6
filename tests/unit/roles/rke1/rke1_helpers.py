"""Runs the rke1 role's render playbook for the unit tests."""
import os

from tests import helpers

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SSH_KEY = os.path.join(HERE, 'files', 'ssh_key_placeholder')
FAKE_SHA256 = 'a' * 64


def render(inventory, workdir, extra_vars=None):
    """Run render.yml with the inventory's own hosts, connection and interpreter; returns the CompletedProcess."""
    variables = {
        'rke1_workdir': str(workdir),
        'platform_admin_private_key_file': SSH_KEY,
        'rke1_binary_sha256': FAKE_SHA256,
        'rke1_backup_passphrase': 'unit-test-passphrase',
    }
    variables.update(extra_vars or {})
    return helpers.run_playbook(os.path.join(HERE, 'render.yml'), inventory=os.path.join(HERE, 'inventories', inventory),
                                connection=None, interpreter=None, extra_vars=variables, timeout=300)
