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


def test_openebs_pin_is_a_documented_release_with_its_chart_named():
    """OpenEBS: the openebs/openebs snapshot ends at 4.2.0, so the pin (4.4.0) is not in releases.yaml's versions.

    It counts as released only when upstream's own documentation for its line lists the release and shows the
    chart openebs-<pin> installed (installation.md); tests/unit/upstream/test_chart_values.py then lists exactly
    which of the values the role sends stay unverified at that version.
    """
    pinned = str(role_defaults('openebs')['openebs_chart_version'])
    facts = releases()['openebs']
    line = '.'.join(pinned.split('.')[:2])
    assert pinned not in released_versions('openebs'), 'pinned at a version with chart data: drop this special case'
    assert line in facts['documented_releases'], 'OpenEBS %s is neither released in the snapshot nor documented' % pinned
    installation = read_text(upstream_path('openebs', 'website-docs', 'version-%s.x' % line, 'quickstart-guide', 'installation.md'))
    assert re.search(r'\bopenebs-%s\b' % re.escape(pinned), installation), \
        'the %s.x documentation does not show chart openebs-%s' % (line, pinned)


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
    """The lab runs the role defaults (its fixture charts carry the same versions)."""
    lab = repo_yaml('inventories', 'lab', 'group_vars', 'all', 'site.yml')
    assert not [name for name in lab if name in {variable for _role, variable, _component in PINS}]


def test_pgo_chart_and_kustomize_ref_follow_the_operator_version():
    defaults = role_defaults('postgres_operator')
    assert defaults['postgres_operator_chart_version'] == '{{ postgres_operator_version }}'
    assert defaults['postgres_operator_kustomize_dir'].endswith('?ref=v{{ postgres_operator_version }}')
    assert os.path.isdir(upstream_path('postgres-operator', 'v' + defaults['postgres_operator_version'], 'config', 'default'))


def test_local_path_image_follows_the_version():
    defaults = role_defaults('local_path_provisioner')
    assert defaults['local_path_provisioner_image'].endswith(':{{ local_path_provisioner_version }}')
