"""Where the controller-side phases find helm (playbooks/vars/controller_phase.yml), and that it is where the helm
role installs it: the inventory's platform_helm_binary, else the helm role's default place when helm is there,
else the first helm on PATH. Before, database and cicd used a helm on PATH while addons used the helm role's path."""
import json
import os

import pytest

from tests import helpers

VARS_FILE = os.path.join(helpers.REPO_ROOT, 'playbooks', 'vars', 'controller_phase.yml')
HELM_DEFAULTS = os.path.join(helpers.REPO_ROOT, 'roles', 'helm', 'defaults', 'main.yml')


def resolved(tmp_path, home, extra_vars=None):
    """controller_phase_helm_binary and the helm role's helm_binary_path, templated with HOME=home."""
    playbook = helpers.write_playbook(tmp_path / 'play.yml', [{
        'name': 'Resolve helm', 'hosts': 'localhost', 'gather_facts': False,
        'vars_files': [VARS_FILE, HELM_DEFAULTS],
        'tasks': [{'name': 'Show', 'ansible.builtin.debug': {
            'msg': {'phase': '{{ controller_phase_helm_binary }}', 'role': '{{ helm_binary_path }}'}}}]}])
    result = helpers.run_playbook(playbook, extra_vars=extra_vars, env=dict(os.environ, HOME=str(home)),
                                  settings={'ANSIBLE_STDOUT_CALLBACK': 'ansible.posix.json'})
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)['plays'][0]['tasks'][0]['hosts']['localhost']['msg']


@pytest.fixture(name='home')
def fixture_home(tmp_path):
    home = tmp_path / 'home'
    home.mkdir()
    return home


def test_without_the_helm_role_s_binary_the_phases_use_helm_from_path(tmp_path, home):
    found = resolved(tmp_path, home)
    assert found['phase'] == 'helm'
    assert found['role'] == str(home / '.local' / 'bin' / 'helm')


def test_the_phases_use_the_binary_the_helm_role_installed(tmp_path, home):
    binary = home / '.local' / 'bin' / 'helm'
    binary.parent.mkdir(parents=True)
    binary.write_text('#!/bin/sh\n', encoding='utf-8')
    found = resolved(tmp_path, home)
    assert found == {'phase': str(binary), 'role': str(binary)}


def test_platform_helm_binary_is_read_by_the_phases_and_the_helm_role(tmp_path, home):
    found = resolved(tmp_path, home, {'platform_helm_binary': '/opt/tools/helm'})
    assert found == {'phase': '/opt/tools/helm', 'role': '/opt/tools/helm'}
