"""A storage choice that needs iSCSI, set once in the inventory, turns iSCSI on for the nodes.

The inventory sets platform_openebs_chart_version; the node role's own default (node_iscsi_enabled,
evaluated from roles/node/defaults/main.yml) follows it, and the openebs role's legacy-Jiva check
accepts the nodes without node_iscsi_enabled being set a second time. Role defaults never reach
hostvars, so before the fix the check refused exactly this inventory.
"""
import json
import os
import sys

import pytest

from addons_helpers import REPO_ROOT
from tests import helpers

KUBECONFIG = helpers.UNREACHABLE_KUBECONFIG

PLAYBOOK = """---
- name: The node role's iSCSI default, per node
  hosts: k8s_cluster
  gather_facts: false
  vars_files:
    - {node_defaults}
  tasks:
    - name: Show node_iscsi_enabled
      ansible.builtin.debug:
        msg: "ISCSI {{{{ inventory_hostname }}}}={{{{ node_iscsi_enabled | bool }}}}"

- name: The openebs role against an unreachable API server
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/kubernetes.core.k8s:
      kubeconfig: {kubeconfig}
    kubernetes.core.k8s_cluster_info:
      kubeconfig: {kubeconfig}
    group/kubernetes.core.helm:
      kubeconfig: {kubeconfig}
    group/baremetal.platform.k8s:
      kubeconfig: {kubeconfig}
  tasks:
    - name: Run the role
      ansible.builtin.include_role:
        name: baremetal.platform.openebs
"""


def run(tmp_path, group_vars, host_vars=None):
    """ansible-playbook with an inventory of two nodes (k8s_cluster) and localhost; returns the output."""
    (tmp_path / 'kubeconfig').write_text(KUBECONFIG, encoding='utf-8')
    (tmp_path / 'group_vars').mkdir()
    (tmp_path / 'group_vars' / 'all.yml').write_text(json.dumps(group_vars), encoding='utf-8')
    (tmp_path / 'host_vars').mkdir()
    for host, variables in (host_vars or {}).items():
        (tmp_path / 'host_vars' / (host + '.yml')).write_text(json.dumps(variables), encoding='utf-8')
    (tmp_path / 'hosts.yml').write_text(json.dumps({'all': {
        'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}},
        'children': {'k8s_cluster': {'hosts': {
            name: {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
            for name in ('node1', 'node2')}}}}}), encoding='utf-8')
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAYBOOK.format(node_defaults=os.path.join(REPO_ROOT, 'roles', 'node', 'defaults', 'main.yml'),
                                        kubeconfig=tmp_path / 'kubeconfig'), encoding='utf-8')
    result = helpers.run_playbook(playbook, inventory=str(tmp_path / 'hosts.yml'), connection=None, interpreter=None,
                                  settings={'ANSIBLE_LOCALHOST_WARNING': '0'}, timeout=300)
    output = result.stdout + result.stderr
    # Each test says where: at the role's iSCSI check, or past it at the unreachable API server.
    assert result.returncode != 0, 'the openebs play should fail (its check or the unreachable API server):\n' + output
    return output


def test_legacy_choice_set_once_turns_iscsi_on_and_passes_the_check(tmp_path):
    output = run(tmp_path, {'platform_openebs_chart_version': '3.10.0'})
    assert 'ISCSI node1=True' in output and 'ISCSI node2=True' in output, output
    assert 'needs iSCSI on every node' not in output, output
    assert helpers.reached_the_cluster(output), 'the role stopped before the API server:\n' + output


def test_default_choice_leaves_iscsi_off(tmp_path):
    output = run(tmp_path, {})
    assert 'ISCSI node1=False' in output and 'ISCSI node2=False' in output, output
    assert helpers.reached_the_cluster(output), output


@pytest.mark.parametrize('group_vars, host_vars, missing', [
    # The version given to the openebs role alone: the nodes phase never saw it.
    ({'openebs_chart_version': '3.10.0'}, {}, 'node1, node2'),
    # A node forced off wins over the automatic value, and only that node is named.
    ({'platform_openebs_chart_version': '3.10.0'}, {'node2': {'node_iscsi_enabled': False}}, 'node2'),
])
def test_nodes_without_iscsi_are_named(tmp_path, group_vars, host_vars, missing):
    output = run(tmp_path, group_vars, host_vars)
    flat = ' '.join(output.split())
    assert 'node_iscsi_enabled is not true for: %s.' % missing in flat, output
    assert 'platform_openebs_chart_version' in flat, output
    assert not helpers.reached_the_cluster(output), 'the role reached for the API server before failing:\n' + output
