# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build and check RKE1's cluster.yml (used by the role baremetal.platform.rke1)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible.errors import AnsibleFilterError

RKE1_ROLES = ('controlplane', 'etcd', 'worker')
RKE1_NETWORK_PLUGINS = ('canal', 'flannel', 'calico', 'weave', 'none')
RKE1_INGRESS_PROVIDERS = ('nginx', 'none')
# RKE1 refuses the weave plugin from this Kubernetes minor on.
WEAVE_LAST_UNSUPPORTED = (1, 30)
# e.g. v1.30.14-rancher1-1 (RKE1's own image suffix is part of the version).
VERSION_PATTERN = re.compile(r'^v(\d+)\.(\d+)\.(\d+)-rancher\d+(?:-\d+)?$')


def _present(value):
    """True for values worth writing to cluster.yml (drops None, '' and empty collections)."""
    return value not in (None, '', [], {})


def _compact(mapping):
    """Copy of mapping without empty values, keeping the key order."""
    return dict((key, value) for key, value in mapping.items() if _present(value))


def _deep_merge(base, extra):
    """Merge extra into a copy of base: nested dicts merge, anything else is replaced."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(merged.get(key), dict) and isinstance(value, dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_rke1_version(version):
    """Return (major, minor, patch) of an RKE1 Kubernetes version, or None when it is malformed."""
    match = VERSION_PATTERN.match(str(version or ''))
    if match is None:
        return None
    return tuple(int(part) for part in match.groups())


def _node_entry(node):
    """One entry of cluster.yml's nodes list from the inventory data of one host."""
    if not isinstance(node, dict):
        raise AnsibleFilterError('rke1_cluster_config: each node must be a dict, got %r' % (node,))
    port = node.get('port')
    return _compact({
        'address': node.get('address'),
        'internal_address': node.get('internal_address'),
        # RKE reads the SSH port as a string.
        'port': str(port) if _present(port) else None,
        'user': node.get('user'),
        'ssh_key_path': node.get('ssh_key_path'),
        'hostname_override': node.get('hostname_override'),
        'role': [role for role in RKE1_ROLES if role in (node.get('roles') or [])]
        + [role for role in (node.get('roles') or []) if role not in RKE1_ROLES],
        'labels': node.get('labels'),
        'taints': node.get('taints'),
    })


def _ordered(entries):
    """Control plane nodes first (rke writes the first one into the kubeconfig), then etcd, then workers."""
    def rank(entry):
        roles = entry.get('role') or []
        return 0 if 'controlplane' in roles else 1 if 'etcd' in roles else 2
    return sorted(entries, key=rank)


def _etcd_service(settings):
    """services.etcd in both forms RKE1 reads: the seed's snapshot/creation/retention and backup_config."""
    etcd = {}
    if settings.get('etcd_snapshot'):
        etcd.update(_compact({
            'snapshot': True,
            'creation': settings.get('etcd_snapshot_creation'),
            'retention': settings.get('etcd_snapshot_retention'),
        }))
    if settings.get('etcd_backup_enabled'):
        etcd['backup_config'] = _compact({
            'enabled': True,
            'interval_hours': settings.get('etcd_backup_interval_hours'),
            'retention': settings.get('etcd_backup_retention'),
            's3backupconfig': _compact(settings.get('etcd_backup_s3') or {}),
        })
    return etcd


def rke1_cluster_config(nodes, settings):
    """Build the data of RKE1's cluster.yml.

    nodes: list of dicts with name, address, internal_address, port, user,
    ssh_key_path, hostname_override, roles, labels, taints (one per host).
    settings: dict with the rke1 role's settings, without the rke1_ prefix.
    """
    if not isinstance(nodes, list):
        raise AnsibleFilterError('rke1_cluster_config: nodes must be a list, got %s' % type(nodes).__name__)
    if not isinstance(settings, dict):
        raise AnsibleFilterError('rke1_cluster_config: settings must be a dict, got %s' % type(settings).__name__)
    config = _compact({
        'cluster_name': settings.get('cluster_name'),
        'kubernetes_version': settings.get('kubernetes_version'),
        'ssh_key_path': settings.get('ssh_key_path'),
        'ignore_docker_version': settings.get('ignore_docker_version'),
        'nodes': _ordered([_node_entry(node) for node in nodes]),
        'network': _compact({'plugin': settings.get('network_plugin')}),
        'ingress': _compact({
            'provider': settings.get('ingress_provider'),
            'http_port': settings.get('ingress_http_port'),
            'https_port': settings.get('ingress_https_port'),
        }),
        'services': _compact({
            'etcd': _etcd_service(settings),
            'kubelet': _compact({'extra_binds': settings.get('kubelet_extra_binds')}),
        }),
    })
    return _deep_merge(config, settings.get('extra_config') or {})


def _duplicates(values):
    seen, duplicates = set(), []
    for value in values:
        if value in seen and value not in duplicates:
            duplicates.append(value)
        seen.add(value)
    return duplicates


def _node_problems(nodes, errors, warnings):
    for index, node in enumerate(nodes):
        label = node.get('hostname_override') or node.get('address') or 'nodes[%d]' % index
        if not node.get('address'):
            errors.append('node %s has no address: set ansible_host (or rke1_node_address) for it in the inventory' % label)
        if not node.get('user'):
            errors.append('node %s has no SSH user: set node_admin_user (or rke1_node_user)' % label)
        roles = node.get('role') or []
        if not roles:
            errors.append('node %s has no role: put it in k8s_controlplane, k8s_etcd or k8s_worker, or set rke1_node_roles' % label)
        unknown = [role for role in roles if role not in RKE1_ROLES]
        if unknown:
            errors.append('node %s has unknown roles %s: use only %s' % (label, ', '.join(unknown), ', '.join(RKE1_ROLES)))
    etcd_count = len([node for node in nodes if 'etcd' in (node.get('role') or [])])
    if not [node for node in nodes if 'controlplane' in (node.get('role') or [])]:
        errors.append('no controlplane node: put at least one host in the group k8s_controlplane (or give it rke1_node_roles: [controlplane])')
    if etcd_count == 0:
        errors.append('no etcd node: put at least one host in the group k8s_etcd (or give it rke1_node_roles: [etcd])')
    elif etcd_count % 2 == 0:
        warnings.append('%d etcd nodes: an even count tolerates no more failures than one node fewer; use 1, 3 or 5' % etcd_count)
    for address in _duplicates([node.get('address') for node in nodes if node.get('address')]):
        errors.append('address %s is used by more than one node: give every host its own ansible_host' % address)
    names = [node.get('hostname_override') or node.get('address') for node in nodes]
    for name in _duplicates([name for name in names if name]):
        errors.append('hostname %s is used by more than one node: hostnames (hostname_override) must be unique' % name)


def _ssh_key_problems(config, errors):
    paths = [node.get('ssh_key_path') or config.get('ssh_key_path') for node in config.get('nodes') or []]
    for path in sorted(set(path for path in paths if path)):
        if not os.path.isfile(os.path.expanduser(path)):
            errors.append('SSH key %s does not exist on the controller: run the nodes phase (it creates the admin key)'
                          ' or set node_admin_private_key_file to an existing private key' % path)
    if None in paths:
        errors.append('a node has no ssh_key_path: set node_admin_private_key_file (or rke1_ssh_key_path)')


def _cluster_problems(config, errors):
    version = config.get('kubernetes_version')
    parsed = parse_rke1_version(version)
    if parsed is None:
        errors.append('kubernetes_version %r is not an RKE1 version: use the form v1.30.14-rancher1-1'
                      ' (list them with `rke config --list-version --all`)' % (version,))
    plugin = (config.get('network') or {}).get('plugin')
    if plugin is not None and plugin not in RKE1_NETWORK_PLUGINS:
        errors.append('network plugin %r is unknown: use one of %s' % (plugin, ', '.join(RKE1_NETWORK_PLUGINS)))
    if plugin == 'weave' and parsed is not None and parsed[:2] >= WEAVE_LAST_UNSUPPORTED:
        errors.append('network plugin weave is refused by RKE for Kubernetes >= %d.%d (you asked for %s):'
                      ' set rke1_network_plugin to canal (the default) or calico' % (WEAVE_LAST_UNSUPPORTED + (version,)))
    ingress = config.get('ingress') or {}
    if ingress.get('provider') is not None and ingress['provider'] not in RKE1_INGRESS_PROVIDERS:
        errors.append('ingress provider %r is unknown: use one of %s' % (ingress['provider'], ', '.join(RKE1_INGRESS_PROVIDERS)))
    for key in ('http_port', 'https_port'):
        port = ingress.get(key)
        if port is not None and (not str(port).isdigit() or not 0 < int(port) < 65536):
            errors.append('ingress %s %r is not a TCP port (1-65535)' % (key, port))


def rke1_config_problems(config, check_files=True):
    """Check a cluster.yml built by rke1_cluster_config.

    Returns a dict with 'errors' (rke up must not run) and 'warnings'. With
    check_files, SSH key files are looked up on the controller (where rke runs).
    """
    if not isinstance(config, dict):
        raise AnsibleFilterError('rke1_config_problems: config must be a dict, got %s' % type(config).__name__)
    errors, warnings = [], []
    nodes = config.get('nodes') or []
    if not nodes:
        errors.append('no nodes: add hosts to the group k8s_cluster (children k8s_controlplane, k8s_etcd, k8s_worker)')
    _node_problems(nodes, errors, warnings)
    _cluster_problems(config, errors)
    if check_files:
        _ssh_key_problems(config, errors)
    return {'errors': errors, 'warnings': warnings}


class FilterModule(object):
    """RKE1 cluster.yml filters."""

    def filters(self):
        return {
            'rke1_cluster_config': rke1_cluster_config,
            'rke1_config_problems': rke1_config_problems,
        }
