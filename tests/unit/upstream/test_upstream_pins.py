"""Every version the add-on roles pin is a release upstream made, and the example inventory pins the same."""
import os
import re

import pytest

from upstream_data import (REPO_ROOT, read_text, released_versions, releases, repo_yaml, role_defaults,
                           upstream_dir, upstream_path)

# role, pin variable, component in releases.yaml
PINS = [
    ('metallb', 'metallb_chart_version', 'metallb'),
    ('openebs', 'openebs_chart_version', 'openebs'),
    ('local_path_provisioner', 'local_path_provisioner_version', 'local-path-provisioner'),
    ('cert_manager', 'cert_manager_chart_version', 'cert-manager'),
    ('rancher', 'rancher_chart_version', 'rancher'),
    ('istio', 'istio_chart_version', 'istio'),
    ('postgres_operator', 'postgres_operator_version', 'postgres-operator'),
]


def bare(version):
    return str(version).lstrip('v')


def test_missing_data_pack_fails_with_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv('BAREMETAL_UPSTREAM_DATA', str(tmp_path / 'nowhere'))
    with pytest.raises(RuntimeError) as error:
        upstream_dir()
    assert str(tmp_path / 'nowhere') in str(error.value)
    assert 'BAREMETAL_UPSTREAM_DATA' in str(error.value) and '../shared/upstream' in str(error.value)


@pytest.mark.parametrize('role, variable, component', [pin for pin in PINS if pin[0] != 'openebs'])
def test_pin_is_a_released_version(role, variable, component):
    pinned = role_defaults(role)[variable]
    released = [bare(version) for version in released_versions(component)]
    assert bare(pinned) in released, '%s %s is not a %s release (releases.yaml: %s)' % (variable, pinned, component, released)


def openebs_documented(pinned):
    """Why an OpenEBS version is not a documented release (None when it is).

    The openebs/openebs snapshot ends at 4.2.0; a later version counts as released only when upstream's own
    documentation for its line lists the release and shows the chart openebs-<version> installed (installation.md).
    """
    line = '.'.join(pinned.split('.')[:2])
    if line not in releases()['openebs']['documented_releases']:
        return 'OpenEBS %s is neither released in the snapshot nor documented' % pinned
    docs = os.path.join(upstream_dir(), 'openebs', 'website-docs', 'version-%s.x' % line, 'quickstart-guide', 'installation.md')
    if not os.path.isfile(docs) or not re.search(r'\bopenebs-%s\b' % re.escape(pinned), read_text(docs)):
        return 'the %s.x documentation (%s) does not show chart openebs-%s' % (line, docs, pinned)
    return None


def test_openebs_pin_is_a_documented_release_with_its_chart_named():
    """OpenEBS: the pin (4.4.0) is not in releases.yaml's versions, so it must be a documented release.

    tests/unit/upstream/test_chart_values.py then lists exactly which of the values the role sends stay unverified
    at that version.
    """
    pinned = str(role_defaults('openebs')['openebs_chart_version'])
    assert pinned not in released_versions('openebs'), 'pinned at a version with chart data: drop this special case'
    problem = openebs_documented(pinned)
    assert problem is None, problem


# platform_* pins: version variables set once for the whole platform (inventory group_vars, playbooks/vars) that
# roles default from ("{{ platform_x | default('V') }}"). Each names the releases.yaml data its value must be in.
PLATFORM_PINS = {
    'platform_metallb_chart_version': 'metallb',
    'platform_openebs_chart_version': 'openebs',
    # Kubernetes releases as the rke2 snapshot ships them (v1.36.3 from v1.36.3+rke2r1).
    'platform_kubernetes_version': 'kubernetes',
}
PLATFORM_PIN_NAME = re.compile(r'^platform_\w*version$')
# A fallback in a role or playbook: platform_x | default('V'); an empty one ("read it from the cluster") pins nothing.
FALLBACK = re.compile(r"""\b(platform_\w*version)\s*\|\s*default\(['"]([^'"]+)['"]""")
# An example pin left commented in an inventory ("# platform_kubernetes_version: v1.36.3"): uncommented, it must work.
COMMENTED = re.compile(r'^#\s*(platform_\w*version):\s*"?([^"\s#]+)"?\s*$', re.MULTILINE)


def _yaml_files(*top):
    for root, _dirs, files in os.walk(os.path.join(REPO_ROOT, *top)):
        for name in sorted(files):
            if name.endswith(('.yml', '.yaml', '.j2')) and name != 'vault.yml':
                yield os.path.join(root, name)


def platform_pins():
    """(file, name, value) of every platform_*version pin: set or shown commented in an inventory's group_vars or
    host_vars, set in playbooks/vars, or the fallback a role or playbook gives it."""
    found = []
    for inventory in sorted(os.listdir(os.path.join(REPO_ROOT, 'inventories'))):
        for kind in ('group_vars', 'host_vars'):
            for path in _yaml_files('inventories', inventory, kind):
                data = repo_yaml(os.path.relpath(path, REPO_ROOT)) or {}
                found += [(path, name, value) for name, value in data.items() if PLATFORM_PIN_NAME.match(name)]
                found += [(path, name, value) for name, value in COMMENTED.findall(read_text(path))]
    for path in _yaml_files('playbooks', 'vars'):
        data = repo_yaml(os.path.relpath(path, REPO_ROOT)) or {}
        found += [(path, name, value) for name, value in data.items() if PLATFORM_PIN_NAME.match(name)]
    for top in ('roles', 'playbooks'):
        for path in _yaml_files(top):
            found += [(path, name, value) for name, value in FALLBACK.findall(read_text(path))]
    return [(os.path.relpath(path, REPO_ROOT), name, value) for path, name, value in found]


def not_a_release(name, value):
    """Why ``value`` of the platform pin ``name`` is not a release in the upstream data (None when it is)."""
    component = PLATFORM_PINS[name]
    if not isinstance(value, str) or '{{' in value:
        return '%s=%r is not a literal version' % (name, value)
    if component == 'kubernetes':
        lines = releases()['rke2']['lines']
        known = sorted({entry['version'].split('+')[0] for line in lines.values() for entry in line['versions']})
    else:
        known = [str(version) for version in released_versions(component)]
    if bare(value) in [bare(version) for version in known]:
        return None
    if component == 'openebs':
        return openebs_documented(bare(value))
    return '%s=%s is not a %s release in releases.yaml (known: %s)' % (name, value, component, ', '.join(known))


def test_every_platform_pin_is_checked_against_upstream():
    """A new platform_*version variable needs its upstream data named in PLATFORM_PINS before it can pass."""
    pins = platform_pins()
    names = {name for _path, name, _value in pins}
    # The search finds what is there today: the inventory's pins, the roles' fallbacks, the commented example.
    assert {'platform_metallb_chart_version', 'platform_openebs_chart_version', 'platform_kubernetes_version'} <= names
    assert ('roles/metallb/defaults/main.yml', 'platform_metallb_chart_version', '0.16.1') in \
        [(path, name, str(value)) for path, name, value in pins]
    assert sorted(names - set(PLATFORM_PINS)) == []


@pytest.mark.parametrize('path, name, value', platform_pins())
def test_platform_pin_is_a_released_version(path, name, value):
    problem = not_a_release(name, str(value))
    assert problem is None, '%s: %s' % (path, problem)


def test_a_platform_pin_of_no_release_fails():
    """The check above cannot pass for any value: versions upstream never made are refused, with the reason."""
    assert 'is not a metallb release' in not_a_release('platform_metallb_chart_version', '0.16.99')
    assert 'is neither released in the snapshot nor documented' in not_a_release('platform_openebs_chart_version', '4.9.0')
    assert 'is not a kubernetes release' in not_a_release('platform_kubernetes_version', 'v1.36.99')
    assert 'not a literal version' in not_a_release('platform_metallb_chart_version', '{{ other }}')


def test_platform_pins_agree_everywhere():
    """The inventory's pin and every fallback of it are one version (the istio and node roles read MetalLB's and
    OpenEBS's pins too)."""
    values = {}
    for path, name, value in platform_pins():
        values.setdefault(name, {})[path] = bare(value)
    disagree = {name: where for name, where in values.items() if len(set(where.values())) > 1}
    assert disagree == {}


@pytest.mark.parametrize('role, variable, component', PINS)
def test_example_inventory_pins_the_role_default(role, variable, component):
    """inventories/prod sets the same pins as the role defaults, so a user copying it gets the tested versions."""
    del component
    inventory = {}
    for name in os.listdir(os.path.join(REPO_ROOT, 'inventories', 'prod', 'group_vars', 'all')):
        if name.endswith('.yml') and name != 'vault.yml':
            inventory.update(repo_yaml('inventories', 'prod', 'group_vars', 'all', name) or {})
    for name in (variable, 'platform_' + variable):
        if name in inventory:
            assert str(inventory[name]) == str(role_defaults(role)[variable]), name


def test_lab_inventory_pins_no_versions():
    """The lab runs the role defaults (its fixture charts carry the same versions), platform_* pins included."""
    lab = repo_yaml('inventories', 'lab', 'group_vars', 'all', 'site.yml')
    pins = {variable for _role, variable, _component in PINS} | set(PLATFORM_PINS)
    assert not [name for name in lab if name in pins or PLATFORM_PIN_NAME.match(name)]


def test_pgo_chart_and_kustomize_ref_follow_the_operator_version():
    defaults = role_defaults('postgres_operator')
    assert defaults['postgres_operator_chart_version'] == '{{ postgres_operator_version }}'
    assert defaults['postgres_operator_kustomize_dir'].endswith('?ref=v{{ postgres_operator_version }}')
    assert os.path.isdir(upstream_path('postgres-operator', 'v' + defaults['postgres_operator_version'], 'config', 'default'))


def test_local_path_image_follows_the_version():
    defaults = role_defaults('local_path_provisioner')
    assert defaults['local_path_provisioner_image'].endswith(':{{ local_path_provisioner_version }}')
