"""Every role: defaults/main.yml and meta/argument_specs.yml name the same variables, and a spec default is the value.

The add-on and engine tests check their own roles more closely; this one covers every directory under roles/,
so a new role (or an internal one such as addon_common) cannot drift. The rule, for each variable in
defaults/main.yml:

- a literal default (no Jinja2 anywhere in it) is in the spec as the same ``default:``, same type too;
- a templated default has no ``default:`` in the spec (Ansible never applies a spec default over
  defaults/main.yml, and a template or prose there documents nothing a tool can use): the description
  says what it is computed from.

A spec default is the real default, never a description of it.
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


def templated(value):
    """True when Jinja2 is anywhere in the value (a string, or a key or item of a mapping or list)."""
    if isinstance(value, str):
        return '{{' in value or '{%' in value
    if isinstance(value, dict):
        return any(templated(key) or templated(item) for key, item in value.items())
    if isinstance(value, list):
        return any(templated(item) for item in value)
    return False


def same(left, right):
    """Equal and of the same types all the way down (True is not 1, '1.0' is not 1.0)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return sorted(left, key=repr) == sorted(right, key=repr) and all(same(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(one, other) for one, other in zip(left, right))
    return type(left) is type(right) and left == right


def spec_default_problems(defaults, options):
    """What breaks the rule above, one line per variable."""
    problems = []
    for name, value in defaults.items():
        spec = options.get(name)
        if spec is None:
            problems.append('%s is in defaults/main.yml but not in meta/argument_specs.yml' % name)
        elif templated(value):
            if 'default' in spec:
                problems.append('%s: defaults/main.yml computes it (%r), so the spec has no default (got %r); '
                                'say in the description what it is computed from' % (name, value, spec['default']))
        elif value is None:
            if spec.get('default') is not None:
                problems.append('%s: the spec default %r is not the value in defaults/main.yml (null)' % (name, spec['default']))
        elif 'default' not in spec:
            problems.append('%s: the spec has no default; put the value of defaults/main.yml there (%r)' % (name, value))
        elif not same(spec['default'], value):
            problems.append('%s: the spec default %r is not the value in defaults/main.yml (%r)' % (name, spec['default'], value))
    return problems


def test_every_role_is_covered():
    assert {'node', 'rke1', 'rke2', 'helm', 'metallb', 'openebs', 'local_path_provisioner', 'cert_manager',
            'rancher', 'istio', 'postgres_operator', 'controller_config', 'addon_common', 'registry', 'jenkins',
            'platform_report'} <= set(ROLES)


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


@pytest.mark.parametrize('role', ROLES)
def test_spec_defaults_are_the_literal_defaults(role):
    defaults = load(role, 'defaults', 'main.yml') or {}
    specs = load(role, 'meta', 'argument_specs.yml')
    options = specs['argument_specs']['main']['options'] if specs else {}
    problems = spec_default_problems(defaults, options)
    assert not problems, role + ':\n' + '\n'.join(problems)


@pytest.mark.parametrize('defaults, options, expected', [
    ({'r_a': 'x'}, {'r_a': {'default': 'x'}}, 0),
    ({'r_a': 'x'}, {'r_a': {}}, 1),
    ({'r_a': 'x'}, {'r_a': {'default': 'the value of x'}}, 1),
    ({'r_a': True}, {'r_a': {'default': 1}}, 1),
    ({'r_a': '1.0'}, {'r_a': {'default': 1.0}}, 1),
    ({'r_a': [{'k': 'v'}]}, {'r_a': {'default': [{'k': 'v'}]}}, 0),
    ({'r_a': "{{ x | default('y') }}"}, {'r_a': {}}, 0),
    ({'r_a': "{{ x | default('y') }}"}, {'r_a': {'default': "{{ x | default('y') }}"}}, 1),
    ({'r_a': "{{ x }}"}, {'r_a': {'default': 'derived from x'}}, 1),
    ({'r_a': [{'k': '{{ x }}'}]}, {'r_a': {'default': []}}, 1),
    ({'r_a': None}, {'r_a': {}}, 0),
    ({'r_a': 'x'}, {}, 1),
])
def test_the_rule_itself(defaults, options, expected):
    assert len(spec_default_problems(defaults, options)) == expected
