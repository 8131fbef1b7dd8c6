"""controller_config: every variable is prefixed, commented, in the argument spec with the same default; secrets no_log."""
import os

import yaml

from tests.unit.awx.awx_helpers import ROLE, load_ansible_yaml

SECRETS = ('controller_config_password', 'controller_config_oauthtoken', 'controller_config_machine_ssh_key_data',
           'controller_config_machine_ssh_key_unlock', 'controller_config_vault_password',
           'controller_config_k8s_bearer_token', 'controller_config_platform_secrets')


def load(*parts):
    with open(os.path.join(ROLE, *parts), encoding='utf-8') as handle:
        return handle.read()


def test_defaults_and_argument_specs_agree():
    defaults = yaml.safe_load(load('defaults', 'main.yml'))
    options = yaml.safe_load(load('meta', 'argument_specs.yml'))['argument_specs']['main']['options']
    assert sorted(defaults) == sorted(options)
    for name, spec in options.items():
        assert name.startswith('controller_config_'), name
        assert spec.get('description'), name + ' has no description'
        value = defaults[name]
        if not (isinstance(value, str) and '{{' in value):
            assert spec['default'] == value, name


def test_every_default_has_a_comment():
    lines = load('defaults', 'main.yml').splitlines()
    for index, line in enumerate(lines):
        if line.startswith('controller_config_'):
            previous = [text for text in lines[:index] if text.strip()][-1]
            assert previous.startswith('#') or lines[index - 1].startswith('controller_config_'), line


def test_internal_vars_are_underscored():
    assert all(name.startswith('_controller_config_') for name in load_ansible_yaml(os.path.join(ROLE, 'vars', 'main.yml')))


def test_secrets_are_no_log():
    options = yaml.safe_load(load('meta', 'argument_specs.yml'))['argument_specs']['main']['options']
    assert sorted(name for name, spec in options.items() if spec.get('no_log')) == sorted(SECRETS)
    tasks = yaml.safe_load(load('tasks', 'present.yml'))
    (credentials,) = [task for task in tasks if 'awx.awx.credential' in task]
    assert credentials['no_log'] is True
