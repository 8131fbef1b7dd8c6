"""The engine roles (rke1, rke2, helm): every variable is prefixed, commented, in the argument spec with the same default."""
import os

import pytest
import yaml

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
ROLES = ('rke1', 'rke2', 'helm')


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
        assert not spec.get('required'), name + ' has a default, so it is not required'
        # A spec default is the real value; a templated one has none (tests/unit/roles/test_every_role_spec.py).
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
    assert all(name.startswith('_' + role + '_') for name in yaml.safe_load(load(role, 'vars', 'main.yml')))


@pytest.mark.parametrize('role, sha256, checksum_url', [
    ('rke1', 'rke1_binary_sha256', 'rke1_binary_checksum_url'),
    ('rke2', 'rke2_tarball_sha256', 'rke2_tarball_checksum_url'),
    ('helm', 'helm_checksum', 'helm_checksum_url'),
])
def test_default_download_is_verified_by_the_release_checksum_file(role, sha256, checksum_url):
    """No checksum to fill in by hand: the default reads the release's own checksum file."""
    defaults = yaml.safe_load(load(role, 'defaults', 'main.yml'))
    assert defaults[sha256] == ''
    assert defaults[checksum_url]
