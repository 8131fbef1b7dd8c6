"""Every add-on role variable is prefixed, has a commented default and an argument spec entry that agrees with it.

tests/unit/roles/addons/test_addons_specs.py does this for five of the roles; this covers all seven the
upstream tests hold (metallb and postgres_operator too), so a new pin variable cannot miss its spec.
"""
import os

import pytest
import yaml

from upstream_data import ADDON_ROLES, REPO_ROOT, read_text


@pytest.mark.parametrize('role', ADDON_ROLES)
def test_defaults_and_argument_specs_agree(role):
    defaults = yaml.safe_load(read_text(os.path.join(REPO_ROOT, 'roles', role, 'defaults', 'main.yml')))
    options = yaml.safe_load(read_text(os.path.join(REPO_ROOT, 'roles', role, 'meta', 'argument_specs.yml')))
    options = options['argument_specs']['main']['options']
    assert sorted(defaults) == sorted(options)
    for name, spec in options.items():
        assert name.startswith(role + '_'), name
        assert spec.get('description'), name + ' has no description'
        if 'default' in spec:
            assert spec['default'] == defaults[name], name


@pytest.mark.parametrize('role', [role for role in ADDON_ROLES if os.path.isfile(os.path.join(REPO_ROOT, 'roles', role, 'vars', 'main.yml'))])
def test_internal_vars_are_underscored(role):
    path = os.path.join(REPO_ROOT, 'roles', role, 'vars', 'main.yml')
    assert all(name.startswith('_' + role + '_') for name in yaml.safe_load(read_text(path)))
