"""Runs the rke1 role's render playbook for the unit tests."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SSH_KEY = os.path.join(HERE, 'files', 'ssh_key_placeholder')
FAKE_SHA256 = 'a' * 64


def ansible_playbook():
    """ansible-playbook of the venv that runs the tests."""
    path = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    if not os.path.isfile(path):
        raise RuntimeError('ansible-playbook is missing next to %s: run scripts/setup and use .venv/bin/pytest' % sys.executable)
    return path


def render(inventory, workdir, extra_vars=None):
    """Run render.yml; returns the CompletedProcess (stdout + stderr in .stdout)."""
    import json
    variables = {
        'rke1_workdir': str(workdir),
        'platform_admin_private_key_file': SSH_KEY,
        'rke1_binary_sha256': FAKE_SHA256,
        'rke1_backup_passphrase': 'unit-test-passphrase',
    }
    variables.update(extra_vars or {})
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_FACT_CACHING='memory')
    return subprocess.run(
        [ansible_playbook(), '-i', os.path.join(HERE, 'inventories', inventory),
         os.path.join(HERE, 'render.yml'), '-e', json.dumps(variables)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
