# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Service field gives "same node first, then any endpoint" on a given Kubernetes version.

Pure functions (no API access), used by the module baremetal.platform.service_topology.

- 1.17 - 1.21: ``spec.topologyKeys: ["kubernetes.io/hostname", "*"]`` (alpha, gate ServiceTopology,
  removed in 1.22: never emitted on a newer server).
- 1.34 and newer, or 1.33 with the PreferSameTrafficDistribution gate on:
  ``spec.trafficDistribution: PreferSameNode`` (the exact modern equivalent).
- In between, nothing is equivalent; the user picks a fallback explicitly:
  ``prefer_close`` (zone level, >= 1.31), ``internal_traffic_policy_local`` (node only, drops traffic
  when the node has no endpoint, >= 1.22) or ``none`` (change nothing).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

TOPOLOGY_KEYS = ['kubernetes.io/hostname', '*']

MECHANISM_TOPOLOGY_KEYS = 'topology_keys'
MECHANISM_PREFER_SAME_NODE = 'prefer_same_node'
MECHANISM_PREFER_CLOSE = 'prefer_close'
MECHANISM_INTERNAL_LOCAL = 'internal_traffic_policy_local'
MECHANISM_NONE = 'none'

FALLBACKS = (MECHANISM_NONE, MECHANISM_PREFER_CLOSE, MECHANISM_INTERNAL_LOCAL)

FIRST_TOPOLOGY_KEYS = (1, 17)
TOPOLOGY_KEYS_REMOVED = (1, 22)
PREFER_SAME_NODE_GATED = (1, 33)
PREFER_SAME_NODE_DEFAULT = (1, 34)
PREFER_CLOSE_DEFAULT = (1, 31)

# (spec field, value) each mechanism writes.
FIELDS = {
    MECHANISM_TOPOLOGY_KEYS: ('topologyKeys', TOPOLOGY_KEYS),
    MECHANISM_PREFER_SAME_NODE: ('trafficDistribution', 'PreferSameNode'),
    MECHANISM_PREFER_CLOSE: ('trafficDistribution', 'PreferClose'),
    MECHANISM_INTERNAL_LOCAL: ('internalTrafficPolicy', 'Local'),
}

# The feature gate that must be on for the field to be stored (the API server silently drops it otherwise).
GATES = {
    MECHANISM_TOPOLOGY_KEYS: 'ServiceTopology (on kube-apiserver and kube-proxy, Kubernetes 1.17 - 1.21)',
    MECHANISM_PREFER_SAME_NODE: 'PreferSameTrafficDistribution (on by default from Kubernetes 1.34)',
    MECHANISM_PREFER_CLOSE: 'ServiceTrafficDistribution (on by default from Kubernetes 1.31)',
    MECHANISM_INTERNAL_LOCAL: 'ServiceInternalTrafficPolicy (on by default from Kubernetes 1.22)',
}

DROP_TRAFFIC_CAVEAT = (
    'internalTrafficPolicy Local sends traffic only to endpoints on the same node and DROPS it when that node '
    'has none; it is not "same node first, then any"')


class LocalityError(ValueError):
    """The requested behaviour is impossible on this server version; the message says what to do."""


class Decision(object):
    """What to write (mechanism, field, value) and the warnings the user must see."""

    def __init__(self, mechanism, warnings=None):
        self.mechanism = mechanism
        self.field, self.value = FIELDS.get(mechanism, (None, None))
        self.warnings = list(warnings or [])

    def __repr__(self):
        return 'Decision(%r, field=%r, value=%r)' % (self.mechanism, self.field, self.value)


def _text(version):
    return '%d.%d' % version


def decide(version, prefer_same_node_gate=False, fallback=MECHANISM_NONE):
    """Decision for server version (major, minor); raises LocalityError when nothing valid can be done."""
    version = tuple(version)
    if fallback not in FALLBACKS:
        raise LocalityError('fallback must be one of %s, got %r' % (', '.join(FALLBACKS), fallback))
    if version < FIRST_TOPOLOGY_KEYS:
        raise LocalityError(
            'Kubernetes %s has no Service topology field (topologyKeys arrived in 1.17); upgrade the cluster.'
            % _text(version))
    if version < TOPOLOGY_KEYS_REMOVED:
        return Decision(MECHANISM_TOPOLOGY_KEYS)
    if version >= PREFER_SAME_NODE_DEFAULT or (version >= PREFER_SAME_NODE_GATED and prefer_same_node_gate):
        return Decision(MECHANISM_PREFER_SAME_NODE)
    return _between(version, fallback)


def _between(version, fallback):
    """1.22 - 1.33: no exact equivalent; warn, and apply only the fallback the user chose."""
    warning = (
        'Kubernetes %s has no "same node first, then any endpoint" for Services: topologyKeys was removed in 1.22 '
        'and trafficDistribution PreferSameNode needs 1.34 (or 1.33 with the PreferSameTrafficDistribution feature '
        'gate, then set prefer_same_node_gate=true). ' % _text(version))
    if fallback == MECHANISM_NONE:
        return Decision(MECHANISM_NONE, [
            warning + 'Nothing was changed (fallback=none); choose fallback=prefer_close (same zone first) or '
            'fallback=internal_traffic_policy_local (same node only) to apply an approximation.'])
    if fallback == MECHANISM_PREFER_CLOSE:
        if version < PREFER_CLOSE_DEFAULT:
            raise LocalityError(
                'fallback=prefer_close needs Kubernetes 1.31 or newer (trafficDistribution); this server is %s. '
                'Use fallback=internal_traffic_policy_local or fallback=none.' % _text(version))
        return Decision(MECHANISM_PREFER_CLOSE, [
            warning + 'Applying trafficDistribution PreferClose (same zone first, then any) as requested.'])
    return Decision(MECHANISM_INTERNAL_LOCAL, [
        warning + 'Applying internalTrafficPolicy Local as requested: ' + DROP_TRAFFIC_CAVEAT + '.'])


def locality_fields(service):
    """The locality-related spec fields of a Service (a plain dict), for reports and diffs."""
    spec = service.get('spec') or {}
    return dict((name, spec.get(name)) for name in ('topologyKeys', 'trafficDistribution', 'internalTrafficPolicy'))


def plan_service(service, decision):
    """(patch, reason): the merge patch that brings the Service to the decision, or None and why not.

    reason is None when the Service simply already matches.
    """
    spec = service.get('spec') or {}
    if decision.mechanism == MECHANISM_NONE:
        return None, None
    if spec.get('type') == 'ExternalName':
        return None, 'ExternalName Service: it has no endpoints to choose between'
    if decision.field != 'internalTrafficPolicy' and spec.get('internalTrafficPolicy') == 'Local':
        return None, ('internalTrafficPolicy Local is set on it (node-only routing); left as the owner set it, '
                      'remove that to get same node first, then any')
    if spec.get(decision.field) == decision.value:
        return None, None
    return {'spec': {decision.field: decision.value}}, None


def stale_topology_keys(service, version):
    """True when a Service shows topologyKeys on a server that no longer implements it (>= 1.22)."""
    return tuple(version) >= TOPOLOGY_KEYS_REMOVED and bool((service.get('spec') or {}).get('topologyKeys'))
