"""Each concern of the node role runs alone by tag (--tags ssh, --tags iscsi, ...); the input checks always run."""
import json

import pytest

from tests import helpers

# Built after the checks, before anything changes, whatever the tags (tasks/sshd_algorithms.yml).
SSHD_ALGORITHMS = 'Work out the sshd algorithms the hardening writes'


@pytest.mark.parametrize('tag, expected', [
    ('iscsi', ['Check inputs, distribution and container', SSHD_ALGORITHMS, 'Install and start iSCSI']),
    ('ssh', ['Check inputs, distribution and container', SSHD_ALGORITHMS, 'Create the admin user with keys and sudo',
             'Harden sshd behind the lock-out guard']),
    ('docker', ['Check inputs, distribution and container', SSHD_ALGORITHMS, 'Install Docker for RKE1']),
    ('engine', ['Check inputs, distribution and container', SSHD_ALGORITHMS, 'Load and persist kernel modules',
                'Set kernel parameters', 'Turn swap off and keep it off', 'Install Docker for RKE1']),
])
def test_a_tag_selects_its_concern_and_the_checks(tmp_path, tag, expected):
    playbook = tmp_path / 'node.yml'
    playbook.write_text(json.dumps([{'name': 'Nodes', 'hosts': 'localhost', 'gather_facts': False,
                                     'roles': ['baremetal.platform.node']}]), encoding='utf-8')
    result = helpers.run_playbook(playbook, '--list-tasks', '--tags', tag, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = [line.strip().split('\t')[0].split(' : ', 1)[-1].strip() for line in result.stdout.splitlines()
              if ' : ' in line and 'TAGS:' in line]
    # The role's argument validation is tagged always by Ansible itself.
    assert listed and listed[0].startswith('Validating arguments against arg spec'), result.stdout
    listed = listed[1:]
    assert listed == expected, result.stdout
