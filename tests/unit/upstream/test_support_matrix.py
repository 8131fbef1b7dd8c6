"""docs/support-matrix.yml states upstream's facts, its rows follow from them, and the role defaults are one row.

The roles carry their own copies of the tables they check at run time (roles/<role>/vars/main.yml): they must
equal the matrix, so neither can drift from upstream alone.
"""
import os
import re

import pytest

from upstream_data import REPO_ROOT, matrix, read_text, releases, role_defaults, role_vars


def minor(version):
    return '.'.join(str(version).lstrip('v').split('.')[:2])


def key(version):
    return tuple(int(part) for part in re.findall(r'\d+', str(version)))


def minors_between(first, last):
    major, low = (int(part) for part in first.split('.'))
    high = int(last.split('.')[1])
    return ['%d.%d' % (major, number) for number in range(low, high + 1)]


def newest_per_line(component):
    newest = {}
    for entry in releases()[component]['versions']:
        line = minor(entry['version'])
        if line not in newest or key(entry['version']) > key(newest[line]):
            newest[line] = entry['version']
    return newest


def test_rancher_table_is_upstream():
    facts = releases()['rancher']
    table = matrix()['rancher']
    assert table['kubernetes_below'] == {line: re.fullmatch(r'< (\d+\.\d+)\.0-0', bound).group(1)
                                         for line, bound in facts['kubeVersion_by_line'].items()}
    assert table['newest_per_line'] == facts['newest_per_line']
    dropped = re.search(r'Rancher >= (\d+)\.(\d+) has no RKE1', facts['rke1_support_note'])
    assert table['rke1_last_line'] == '%s.%d' % (dropped.group(1), int(dropped.group(2)) - 1)
    for version in facts['versions']:
        assert table['kubernetes_below'][minor(version['version'])] + '.0-0' in version['kubeVersion']


def test_cert_manager_table_is_upstream():
    support = releases()['cert-manager']['kubernetes_support']
    table = matrix()['cert_manager']['kubernetes']
    assert table == {line: [part.strip() for part in facts['supported_kubernetes'].split('->')]
                     for line, facts in support.items() if line != 'source'}


def test_istio_table_is_upstream():
    support = releases()['istio']['kubernetes_support']
    table = matrix()['istio']
    lines = {line: facts for line, facts in support.items() if line != 'source'}
    assert table['kubernetes'] == {line: facts['k8sVersions'] for line, facts in lines.items()}
    assert sorted(table['end_of_life']) == sorted(line for line, facts in lines.items() if facts['supported'] == 'No')


def test_metallb_custom_resources_threshold():
    """The role's switch between the ConfigMap and the custom resources sits where MetalLB moved (0.13)."""
    assert matrix()['metallb']['custom_resources_from'] == '0.13.0'
    assert role_vars('metallb')['_metallb_custom_resources_from'] == matrix()['metallb']['custom_resources_from']


@pytest.mark.parametrize('role, variable, expected', [
    ('rancher', '_rancher_kubernetes_below', lambda m: m['rancher']['kubernetes_below']),
    ('rancher', '_rancher_newest_per_line', lambda m: m['rancher']['newest_per_line']),
    ('rancher', '_rancher_rke1_last_line', lambda m: m['rancher']['rke1_last_line']),
    ('cert_manager', '_cert_manager_kubernetes_support', lambda m: m['cert_manager']['kubernetes']),
    ('cert_manager', '_cert_manager_newest_per_line', lambda m: {line: newest_per_line('cert-manager')[line]
                                                                 for line in m['cert_manager']['kubernetes']}),
    ('istio', '_istio_kubernetes_support', lambda m: m['istio']['kubernetes']),
    ('istio', '_istio_end_of_life', lambda m: m['istio']['end_of_life']),
    ('istio', '_istio_newest_per_line', lambda m: newest_per_line('istio')),
])
def test_role_copies_equal_the_matrix(role, variable, expected):
    assert role_vars(role)[variable] == expected(matrix()), '%s in roles/%s/vars/main.yml drifted from docs/support-matrix.yml' % (variable, role)


def derived_row(row):
    """The release lines that support a row's engine and Kubernetes minor, from the component tables."""
    tables = matrix()
    kube = key(row['kubernetes'])
    rancher = sorted((line for line, below in tables['rancher']['kubernetes_below'].items()
                      if kube < key(below) and (row['engine'] != 'rke1' or key(line) <= key(tables['rancher']['rke1_last_line']))),
                     key=key, reverse=True)
    cert_manager = sorted((line for line, (first, last) in tables['cert_manager']['kubernetes'].items()
                           if row['kubernetes'] in minors_between(first, last)), key=key, reverse=True)
    istio = sorted((line for line, kubes in tables['istio']['kubernetes'].items()
                    if row['kubernetes'] in kubes and line not in tables['istio']['end_of_life']), key=key, reverse=True)
    return {'rancher': rancher or 'none', 'cert_manager': cert_manager or 'none', 'istio': istio or 'none'}


@pytest.mark.parametrize('row', matrix()['rows'], ids=lambda row: '%s-%s' % (row['engine'], row['kubernetes']))
def test_rows_follow_from_the_tables(row):
    derived = derived_row(row)
    assert {name: row[name] for name in derived} == derived
    assert row['engine'] in ('rke1', 'rke2')
    if row['engine'] == 'rke2':
        line = releases()['rke2']['lines'][row['kubernetes']]
        assert row['rke2_version'] == line['newest'], 'rke2 %s: the newest release is %s' % (row['kubernetes'], line['newest'])
    for pgo_line in row['postgres_operator']:
        assert pgo_line in matrix()['postgres_operator']['lines']
    assert [minor(v) for v in [releases()['metallb']['newest_stable']]] == row['metallb']


def test_defaults_are_the_newest_releases_and_one_supported_row():
    tables = matrix()
    defaults = tables['defaults']
    facts = releases()
    rke2_lines = facts['rke2']['lines']
    newest_line = max(rke2_lines, key=key)
    assert defaults['rke2_version'] == rke2_lines[newest_line]['newest']
    assert defaults['kubernetes'] == newest_line
    assert defaults['rancher'] == facts['rancher']['newest_stable']
    assert defaults['cert_manager'] == facts['cert-manager']['newest_stable']
    assert defaults['istio'] == facts['istio']['newest_stable']
    assert defaults['metallb'] == facts['metallb']['newest_stable']
    assert 'v' + defaults['postgres_operator'] == facts['postgres-operator']['newest_stable']
    assert defaults['local_path_provisioner'] == facts['local-path-provisioner']['newest_stable']
    # OpenEBS: the newest umbrella release its documentation names (4.5's chart version is documented nowhere here).
    assert defaults['openebs'] == facts['openebs']['documented_releases']['4.4']['localpv_hostpath']
    (row,) = [row for row in tables['rows'] if (row['engine'], row['kubernetes']) == (defaults['engine'], defaults['kubernetes'])]
    assert row['rke2_version'] == defaults['rke2_version']
    for component in ('rancher', 'cert_manager', 'istio', 'postgres_operator', 'metallb'):
        assert minor(defaults[component]) in row[component], '%s %s is not supported on %s' % (component, defaults[component], row)


@pytest.mark.parametrize('role, variable, component', [
    ('rancher', 'rancher_chart_version', 'rancher'),
    ('cert_manager', 'cert_manager_chart_version', 'cert_manager'),
    ('istio', 'istio_chart_version', 'istio'),
    ('postgres_operator', 'postgres_operator_version', 'postgres_operator'),
    ('metallb', 'metallb_chart_version', 'metallb'),
    ('openebs', 'openebs_chart_version', 'openebs'),
    ('local_path_provisioner', 'local_path_provisioner_version', 'local_path_provisioner'),
])
def test_role_defaults_are_the_defaults_row(role, variable, component):
    assert str(role_defaults(role)[variable]) == matrix()['defaults'][component]


def test_the_matrix_page_shows_every_row():
    page = read_text(os.path.join(REPO_ROOT, 'docs', 'support-matrix.md'))
    for row in matrix()['rows']:
        cells = [row['engine'], row['kubernetes'], row.get('rke2_version', '-')]
        for name in ('rancher', 'cert_manager', 'istio', 'postgres_operator', 'metallb'):
            cells.append(', '.join(row[name]) if isinstance(row[name], list) else row[name])
        assert '| ' + ' | '.join(cells) + ' |' in page, 'docs/support-matrix.md lacks the row ' + ' | '.join(cells)


def test_engine_roles_build_the_rows_kubernetes():
    """The cluster phase makes the Kubernetes the add-on defaults are checked against (roles rke2 and rke1)."""
    tables = matrix()
    assert role_defaults('rke2')['rke2_version'] == tables['defaults']['rke2_version']
    (rke1_row,) = [row for row in tables['rows'] if row['engine'] == 'rke1']
    assert minor(role_defaults('rke1')['rke1_kubernetes_version']) == rke1_row['kubernetes']
