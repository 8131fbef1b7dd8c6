"""Every role: defaults/main.yml and meta/argument_specs.yml name the same variables, and a spec default is the value.

The add-on and engine tests check their own roles more closely; this one covers every directory under roles/,
so a new role (or an internal one such as addon_common) cannot drift. A spec default is the real default, the
same text as in defaults/main.yml (templated or not), never a description of it.
"""
import os

import pytest
import yaml

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
ROLES = sorted(name for name in os.listdir(os.path.join(REPO_ROOT, 'roles'))
               if os.path.isdir(os.path.join(REPO_ROOT, 'roles', name)))


def load(role, *parts):
    path = os.path.join(REPO_ROOT, 'roles', role, *parts)
    if not os.path.isfile(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def test_every_role_is_covered():
    assert {'node', 'rke1', 'rke2', 'helm', 'metallb', 'openebs', 'local_path_provisioner', 'cert_manager',
            'rancher', 'istio', 'postgres_operator', 'controller_config', 'addon_common'} <= set(ROLES)


@pytest.mark.parametrize('role', ROLES)
def test_defaults_and_argument_specs_agree(role):
    defaults = load(role, 'defaults', 'main.yml') or {}
    specs = load(role, 'meta', 'argument_specs.yml')
    if not defaults:
        assert not specs or not specs['argument_specs']['main'].get('options'), role + ' documents options it does not have'
        return
    assert specs, role + ' has defaults but no meta/argument_specs.yml'
    options = specs['argument_specs']['main']['options']
    assert sorted(defaults) == sorted(options), role
    for name, spec in options.items():
        assert name.startswith(role + '_'), name + ' is not prefixed with the role name'
        assert spec.get('description'), name + ' has no description'
        if 'default' in spec:
            assert spec['default'] == defaults[name], \
                '%s: the spec default %r is not the value in defaults/main.yml (%r)' % (name, spec['default'], defaults[name])
