"""The lab's fixture charts (tests/fixtures/charts) carry the upstream chart's name, version, values and schema.

Their templates render only what the tests look at, but everything a role can send them is judged as
the real chart would judge it: the same values.yaml (defaults and keys) and the same values.schema.json.
The names they render are checked against resources.txt in tests/integration/addons/test_fixture_charts.py
(that needs the lab's helm).
"""
import os

import pytest

from test_chart_values import OPENEBS_UNVERIFIED
from upstream_data import (REPO_ROOT, get_path, has_path, leaf_paths, load_json, load_yaml, openebs_unverified,
                           role_defaults, upstream_path)

CHARTS = os.path.join(REPO_ROOT, 'tests', 'fixtures', 'charts')
# fixture dir: role, pin variable, upstream chart dir (under the pinned version), appVersion from the version,
# top-level keys only the fixture has (with why)
FIXTURES = {
    'metallb': ('metallb', 'metallb_chart_version', lambda v: ('metallb', v), lambda v: 'v' + v,
                {'fixture': 'switches for the fake webhook Service the role waits on'}),
    'cert-manager': ('cert_manager', 'cert_manager_chart_version', lambda v: ('cert-manager', v), lambda v: v, {}),
    'rancher': ('rancher', 'rancher_chart_version', lambda v: ('rancher', v), lambda v: 'v' + v, {}),
    'istio-base': ('istio', 'istio_chart_version', lambda v: ('istio', v, 'base'), lambda v: v, {}),
    'istiod': ('istio', 'istio_chart_version', lambda v: ('istio', v, 'istiod'), lambda v: v, {}),
    'istio-gateway': ('istio', 'istio_chart_version', lambda v: ('istio', v, 'gateway'), lambda v: v, {}),
    'docker-registry': ('registry', 'registry_chart_version', lambda v: ('docker-registry', v), lambda v: v, {}),
    'jenkins': ('jenkins', 'jenkins_chart_version', lambda v: ('jenkins', v), lambda v: {'5.9.53': '2.568.2'}[v], {}),
}
# Upstream Chart.yaml version fields that release tooling fills in (README of the data pack).
PLACEHOLDER_VERSIONS = {'v0.0.0', '1.0.0', 'placeholder'}


def fixture(name, *parts):
    return os.path.join(CHARTS, name, *parts)


def test_every_fixture_chart_is_checked():
    assert sorted(os.listdir(CHARTS)) == sorted(list(FIXTURES) + ['openebs', 'hello', 'README.md'])


@pytest.mark.parametrize('name', sorted(FIXTURES))
def test_chart_metadata_is_upstreams_at_the_pin(name):
    role, variable, source, app_version, _extra = FIXTURES[name]
    version = str(role_defaults(role)[variable])
    mine = load_yaml(fixture(name, 'Chart.yaml'))
    theirs = load_yaml(upstream_path(*source(version), 'Chart.yaml'))
    assert mine['name'] == theirs['name']
    assert mine['version'] == version, '%s fixture is %s, the role pins %s' % (name, mine['version'], version)
    assert mine['appVersion'] == app_version(version)
    if str(theirs['version']) not in PLACEHOLDER_VERSIONS:
        assert (str(theirs['version']), str(theirs['appVersion'])) == (mine['version'], mine['appVersion'])
    assert mine.get('kubeVersion') == theirs.get('kubeVersion')


@pytest.mark.parametrize('name', sorted(FIXTURES))
def test_values_are_upstreams(name):
    role, variable, source, _app_version, extra = FIXTURES[name]
    version = str(role_defaults(role)[variable])
    mine = load_yaml(fixture(name, 'values.yaml'))
    theirs = load_yaml(upstream_path(*source(version), 'values.yaml'))
    assert sorted(set(mine) - set(theirs)) == sorted(extra)
    assert {key: value for key, value in mine.items() if key not in extra} == theirs


@pytest.mark.parametrize('name', sorted(FIXTURES))
def test_schema_is_upstreams(name):
    role, variable, source, _app_version, _extra = FIXTURES[name]
    version = str(role_defaults(role)[variable])
    upstream_schema = os.path.join(upstream_path(*source(version)), 'values.schema.json')
    mine = fixture(name, 'values.schema.json')
    if os.path.isfile(upstream_schema):
        assert os.path.isfile(mine), name + ' lacks the upstream values.schema.json'
        assert load_json(mine) == load_json(upstream_schema)
    else:
        assert not os.path.isfile(mine), name + ' has a schema upstream does not have'


def test_openebs_fixture_is_the_pin_with_the_newest_upstream_values():
    """No 4.3+ chart files exist here: the fixture is 4.2.0's values.yaml plus keys the role sends, each verified
    against the stored subchart data or listed (with the same list as the role's values) as unverified."""
    version = str(role_defaults('openebs')['openebs_chart_version'])
    mine = load_yaml(fixture('openebs', 'Chart.yaml'))
    assert (mine['name'], mine['version'], mine['appVersion']) == ('openebs', version, version)
    values = load_yaml(fixture('openebs', 'values.yaml'))
    umbrella = load_yaml(upstream_path('openebs', '4.2.0', 'values.yaml'))
    localpv = load_yaml(upstream_path('openebs', 'localpv-provisioner', '4.0.0', 'values.yaml'))
    assert sorted(openebs_unverified(values)) == sorted(OPENEBS_UNVERIFIED)
    for path in leaf_paths(umbrella):
        assert get_path(values, path) == get_path(umbrella, path), path
    for path in leaf_paths(values):
        if path.startswith('localpv-provisioner.') and not has_path(umbrella, path):
            assert get_path(values, path) == get_path(localpv, path[len('localpv-provisioner.'):]), path
    # What 4.3+ does by default, which the role must turn off (the defect it fixes).
    assert values['loki'] == {'enabled': True, 'minio': {'enabled': True}} and values['alloy'] == {'enabled': True}
    assert not os.path.isfile(fixture('openebs', 'values.schema.json'))
