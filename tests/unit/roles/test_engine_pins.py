"""The engine binaries' pinned versions (rke1_version, rke2_version, helm_version) are real upstream releases.

They are checked against the offline upstream release facts (releases.yaml) in ../shared/upstream relative
to the checkout, or in the directory BAREMETAL_UPSTREAM_DATA names. A missing data directory fails with
where it was looked for; it never skips.
"""
import os

import pytest
import yaml

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
ENV = 'BAREMETAL_UPSTREAM_DATA'


def upstream_dir():
    """(directory, how it was chosen) of the upstream data."""
    if os.environ.get(ENV):
        return os.path.abspath(os.environ[ENV]), 'the directory given by $%s' % ENV
    return os.path.abspath(os.path.join(REPO_ROOT, '..', 'shared', 'upstream')), \
        'the default directory, ../shared/upstream relative to the checkout %s; set %s to use another one' % (REPO_ROOT, ENV)


def load_releases():
    """releases.yaml of the upstream data; fails (never skips) with where it looked when it is missing."""
    directory, how = upstream_dir()
    path = os.path.join(directory, 'releases.yaml')
    if not os.path.isfile(path):
        pytest.fail('The upstream release data is missing: no releases.yaml at %s (%s). '
                    'Put the upstream data pack there (it holds releases.yaml).' % (path, how))
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


@pytest.fixture(name='releases', scope='module')
def fixture_releases():
    return load_releases()


def role_default(role, name):
    with open(os.path.join(REPO_ROOT, 'roles', role, 'defaults', 'main.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)[name]


def spec_default(role, name):
    with open(os.path.join(REPO_ROOT, 'roles', role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options'][name].get('default')


def rke_releases(data):
    return [entry['version'] for entry in data['rke']['versions']]


def rke2_releases(data):
    return [entry['version'] for line in data['rke2']['lines'].values() for entry in line['versions']]


def helm_releases(data):
    return [entry['version'] for entry in data['helm']['versions_v3'] + data['helm'].get('versions_v4', [])]


PINS = [
    ('rke1', 'rke1_version', 'rke', rke_releases),
    ('rke2', 'rke2_version', 'rke2', rke2_releases),
    ('helm', 'helm_version', 'helm', helm_releases),
]


@pytest.mark.parametrize('role, variable, component, releases_of', PINS, ids=[pin[1] for pin in PINS])
def test_pin_is_a_released_version(releases, role, variable, component, releases_of):
    pinned = role_default(role, variable)
    known = releases_of(releases)
    assert known, 'releases.yaml lists no %s releases' % component
    assert pinned in known, '%s %s (roles/%s/defaults/main.yml) is not a %s release in releases.yaml; known: %s' % (
        variable, pinned, role, component, ', '.join(known))


@pytest.mark.parametrize('role, variable, component, releases_of', PINS, ids=[pin[1] for pin in PINS])
def test_argument_spec_documents_the_same_pin(role, variable, component, releases_of):
    del component, releases_of
    assert spec_default(role, variable) == role_default(role, variable), \
        'roles/%s/meta/argument_specs.yml documents another default for %s' % (role, variable)


def test_pins_are_the_newest_of_their_lines(releases):
    """Within the line each pin is on, nothing newer is released (rke2 v1.36, helm v3, rke)."""
    def key(version):
        core = version.lstrip('v').partition('+')[0]
        return tuple(int(part) for part in core.split('.'))

    rke2_pin = role_default('rke2', 'rke2_version')
    line = releases['rke2']['lines']['.'.join(rke2_pin.lstrip('v').split('.')[:2])]
    assert rke2_pin == line['newest'], (rke2_pin, line['newest'])
    assert role_default('helm', 'helm_version') == releases['helm']['newest_v3']
    assert role_default('rke1', 'rke1_version') == max(rke_releases(releases), key=key)


def test_missing_data_dir_fails_and_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(tmp_path / 'nowhere'))
    with pytest.raises(pytest.fail.Exception) as failure:
        load_releases()
    message = str(failure.value)
    assert str(tmp_path / 'nowhere' / 'releases.yaml') in message and '$' + ENV in message


def test_default_data_dir_is_beside_the_checkout(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    directory, how = upstream_dir()
    assert directory == os.path.join(os.path.dirname(REPO_ROOT), 'shared', 'upstream')
    assert REPO_ROOT in how and ENV in how
