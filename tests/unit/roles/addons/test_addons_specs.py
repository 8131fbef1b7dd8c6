"""Every add-on role variable is prefixed, has a commented default and an argument spec entry."""
import os

import pytest
import yaml

from addons_helpers import REPO_ROOT, ROLES


def load(role, *parts):
    with open(os.path.join(REPO_ROOT, 'roles', role, *parts), encoding='utf-8') as handle:
        return handle.read()


@pytest.mark.parametrize('role', ROLES)
def test_defaults_and_argument_specs_agree(role):
    defaults = yaml.safe_load(load(role, 'defaults', 'main.yml'))
    options = yaml.safe_load(load(role, 'meta', 'argument_specs.yml'))['argument_specs']['main']['options']
    assert sorted(defaults) == sorted(options)
    for name, spec in options.items():
        assert name.startswith(role + '_'), name
        assert spec.get('description'), name + ' has no description'
        if 'default' in spec:
            assert spec['default'] == defaults[name], name


@pytest.mark.parametrize('role', ROLES)
def test_every_default_has_a_comment(role):
    lines = load(role, 'defaults', 'main.yml').splitlines()
    for index, line in enumerate(lines):
        if line.startswith(role + '_'):
            previous = [text for text in lines[:index] if text.strip()][-1]
            assert previous.startswith('#') or lines[index - 1].startswith(role + '_'), \
                line + ' needs a comment above it (or above its group)'


@pytest.mark.parametrize('role', ROLES)
def test_internal_vars_are_underscored(role):
    path = os.path.join(REPO_ROOT, 'roles', role, 'vars', 'main.yml')
    if os.path.isfile(path):
        with open(path, encoding='utf-8') as handle:
            assert all(name.startswith('_' + role + '_') for name in yaml.safe_load(handle))
