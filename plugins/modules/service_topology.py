#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module service_topology: prefer an endpoint on the same node, then any, for a set of Services."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: service_topology
short_description: Route Service traffic to an endpoint on the same node first, then to any
version_added: "0.1.0"
author:
  - baremetal.platform maintainers (@baremetal-platform)
description:
  - >-
    Makes the Services chosen by namespace and label selector, minus named exclusions, prefer an
    endpoint on the client's own node and fall back to any endpoint (the 2020 setup's
    C(topologyKeys: ["kubernetes.io/hostname", "*"])).
  - The field depends on the API server's version, read from C(/version) on every run.
    Kubernetes 1.17 to 1.21 get C(spec.topologyKeys) (alpha, needs the C(ServiceTopology) feature gate);
    1.34 and newer get C(spec.trafficDistribution=PreferSameNode) (also 1.33 when
    O(prefer_same_node_gate=true)).
  - Between 1.22 and 1.33 nothing is equivalent. The module warns and applies only the O(fallback) the
    user chose; by default it changes nothing.
  - One list call for the whole namespace set, then one merge patch per Service that differs; Services
    already in the wanted state are not written.
  - A Service whose owner set C(internalTrafficPolicy=Local) is reported in RV(skipped_services) and left alone.
  - A Service showing C(topologyKeys) on a 1.22 or newer server (where the field no longer exists) is
    reported with a warning.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  namespaces:
    description:
      - Namespaces whose Services are considered. Empty means every namespace.
      - With exactly one namespace the list call is namespaced (namespace-scoped RBAC is enough);
        otherwise one cluster-wide list is filtered, which needs C(list services) cluster-wide.
    type: list
    elements: str
    default: []
  label_selectors:
    description:
      - Label selectors the Services must match, for example V(app.kubernetes.io/part-of=shop)
        or V(tier!=edge). All must match. Empty matches every Service.
    type: list
    elements: str
    default: []
  exclude:
    description:
      - Services left untouched even when selected, as V(NAME) (in any of the namespaces) or
        V(NAMESPACE/NAME). The 2020 setup excluded its frontend and API gateways.
    type: list
    elements: str
    default: []
  prefer_same_node_gate:
    description:
      - Set to V(true) when the cluster runs Kubernetes 1.33 with the C(PreferSameTrafficDistribution)
        feature gate on (kube-apiserver and kube-proxy). The gate cannot be read from the API, so it
        has to be stated. On other versions the option has no effect.
    type: bool
    default: false
  fallback:
    description:
      - What to apply on Kubernetes 1.22 to 1.33 (1.33 without O(prefer_same_node_gate)), where no
        field gives "same node first, then any".
      - V(none) changes nothing and warns.
      - V(prefer_close) sets C(trafficDistribution=PreferClose) (same zone first, then any; 1.31 or newer).
      - V(internal_traffic_policy_local) sets C(internalTrafficPolicy=Local). It keeps traffic on the
        node and B(drops it) when the node has no endpoint of the Service.
    type: str
    choices: [none, prefer_close, internal_traffic_policy_local]
    default: none
attributes:
  check_mode:
    support: full
    description: Lists and compares, reports what would change, writes nothing.
  diff_mode:
    support: full
    description: Shows the locality fields of each changed Service before and after.
  action_group:
    description: Use C(group/baremetal.platform.k8s) in C(module_defaults) to set the auth options once.
    support: full
    membership:
      - baremetal.platform.k8s
requirements:
  - kubernetes (Python client) >= 24.2.0
  - the kubernetes.core collection (its auth code is reused)
notes:
  - C(topologyKeys) is written only on servers older than 1.22, never on newer ones.
  - Nothing checks that kube-proxy (or the CNI's Service implementation) honours the field. Cilium,
    for example, follows its own settings.
seealso:
  - name: Traffic distribution (Kubernetes documentation)
    description: PreferClose, PreferSameZone and PreferSameNode.
    link: https://kubernetes.io/docs/concepts/services-networking/service/#traffic-distribution
  - name: Service internal traffic policy
    description: Why C(Local) drops traffic when the node has no endpoint.
    link: https://kubernetes.io/docs/concepts/services-networking/service-traffic-policy/
'''

EXAMPLES = r'''
- name: Same node first, then any, for every Service of the shop except its edge
  baremetal.platform.service_topology:
    kubeconfig: "{{ platform_kubeconfig }}"
    namespaces: [shop]
    exclude: [frontend, api-gateway]

- name: Selected Services in two namespaces, on a 1.33 cluster with the gate on
  baremetal.platform.service_topology:
    namespaces: [shop, billing]
    label_selectors: ["app.kubernetes.io/part-of=shop"]
    exclude: [billing/public-api]
    prefer_same_node_gate: true

- name: On a 1.30 cluster, accept internalTrafficPolicy Local knowingly
  baremetal.platform.service_topology:
    namespaces: [shop]
    fallback: internal_traffic_policy_local
'''

RETURN = r'''
server_version:
  description: The API server's gitVersion.
  returned: always
  type: str
  sample: v1.34.1
mechanism:
  description: What was applied. V(none) means nothing was written.
  returned: always
  type: str
  sample: prefer_same_node
field:
  description: The Service spec field written, or null for V(none).
  returned: always
  type: str
  sample: trafficDistribution
value:
  description: The value written to RV(field).
  returned: always
  type: raw
  sample: PreferSameNode
matched:
  description: Number of Services the namespaces and selectors matched (before exclusions).
  returned: always
  type: int
  sample: 12
changed_services:
  description: Services patched (or that would be patched, in check mode), with their locality fields.
  returned: always
  type: list
  elements: dict
  sample:
    - namespace: shop
      name: cart
      before: {topologyKeys: null, trafficDistribution: null, internalTrafficPolicy: Cluster}
      after: {topologyKeys: null, trafficDistribution: PreferSameNode, internalTrafficPolicy: Cluster}
unchanged:
  description: Services already in the wanted state, as C(namespace/name).
  returned: always
  type: list
  elements: str
  sample: [shop/catalog]
excluded:
  description: Selected Services left out because of O(exclude), as C(namespace/name).
  returned: always
  type: list
  elements: str
  sample: [shop/frontend]
skipped_services:
  description: Selected Services not touched on purpose, with the reason.
  returned: always
  type: list
  elements: dict
  sample:
    - {namespace: shop, name: cache, reason: "internalTrafficPolicy Local is set on it ..."}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import (
    API_ERRORS,
    api_error_message,
    connect,
    k8s_auth_argument_spec,
    require_k8s_libraries,
    resource,
    server_version,
)
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.merge_patch import CONTENT_TYPE as MERGE_PATCH
from ansible_collections.baremetal.platform.plugins.module_utils.traffic_locality import (
    FALLBACKS,
    GATES,
    LocalityError,
    decide,
    locality_fields,
    plan_service,
    stale_topology_keys,
)


def argument_spec():
    spec = k8s_auth_argument_spec()
    spec.update(
        namespaces=dict(type='list', elements='str', default=[]),
        label_selectors=dict(type='list', elements='str', default=[]),
        exclude=dict(type='list', elements='str', default=[]),
        prefer_same_node_gate=dict(type='bool', default=False),
        fallback=dict(type='str', choices=list(FALLBACKS), default='none'),
    )
    return spec


def full_name(service):
    return '%s/%s' % (service['metadata']['namespace'], service['metadata']['name'])


def is_excluded(service, exclude):
    return service['metadata']['name'] in exclude or full_name(service) in exclude


def list_services(module, services, namespaces, label_selectors):
    """One list call for the namespace set; returns plain dicts."""
    selector = ','.join(label_selectors) or None
    scope = namespaces[0] if len(namespaces) == 1 else None
    try:
        found = services.get(namespace=scope, label_selector=selector).to_dict()
    except API_ERRORS as exc:
        where = 'namespace %s' % scope if scope else 'all namespaces'
        module.fail_json(msg='Could not list Services in %s: %s. Check the label selectors and that the credentials may '
                             'list services there (several namespaces need cluster-wide list).'
                             % (where, api_error_message(exc)))
    items = found.get('items') or []
    if namespaces and scope is None:
        wanted = set(namespaces)
        items = [item for item in items if item['metadata']['namespace'] in wanted]
    return sorted(items, key=full_name)


class PatchFailed(Exception):
    """A Service could not be brought to the wanted state; the message says why and what to do."""


def patch_service(services, service, patch, decision):
    """Merge-patch one Service; raise PatchFailed when the server refuses it or silently drops the field (gate off)."""
    meta = service['metadata']
    try:
        stored = services.patch(body=patch, name=meta['name'], namespace=meta['namespace'], content_type=MERGE_PATCH).to_dict()
    except API_ERRORS as exc:
        raise PatchFailed('The API server refused to set %s=%s on Service %s: %s'
                          % (decision.field, decision.value, full_name(service), api_error_message(exc)))
    if (stored.get('spec') or {}).get(decision.field) != decision.value:
        raise PatchFailed('The API server accepted the patch of Service %s but did not store %s: its feature gate %s '
                          'is off. Turn the gate on, or choose another mechanism.'
                          % (full_name(service), decision.field, GATES[decision.mechanism]))
    return stored


def plan(module, items, decision, version):
    """Split the selected Services into to-patch, unchanged, excluded and skipped."""
    params = module.params
    result = dict(to_patch=[], unchanged=[], excluded=[], skipped_services=[])
    for service in items:
        if stale_topology_keys(service, version):
            module.warn('Service %s shows spec.topologyKeys, which Kubernetes ignores since 1.22; remove it from its '
                        'manifest.' % full_name(service))
        if is_excluded(service, params['exclude']):
            result['excluded'].append(full_name(service))
            continue
        patch, reason = plan_service(service, decision)
        meta = service['metadata']
        if reason:
            result['skipped_services'].append(dict(namespace=meta['namespace'], name=meta['name'], reason=reason))
        elif patch is None:
            result['unchanged'].append(full_name(service))
        else:
            result['to_patch'].append((service, patch))
    return result


def expected_after(service, patch):
    after = locality_fields(service)
    after.update(patch['spec'])
    return after


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    require_k8s_libraries(module)
    params = module.params
    client = connect(module)
    try:
        version_info = server_version(client)
    except (ValueError,) + API_ERRORS as exc:
        module.fail_json(msg='Could not read the API server version from /version: %s' % exc)
    version = (version_info['major'], version_info['minor'])
    try:
        decision = decide(version, params['prefer_same_node_gate'], params['fallback'])
    except LocalityError as exc:
        module.fail_json(msg=str(exc), server_version=version_info['git_version'])
    for warning in decision.warnings:
        module.warn(warning)

    services = resource(client, 'v1', 'Service')
    items = list_services(module, services, params['namespaces'], params['label_selectors'])
    planned = plan(module, items, decision, version)

    changed_services = []
    for service, patch in planned['to_patch']:
        after = expected_after(service, patch)
        if not module.check_mode:
            try:
                after = locality_fields(patch_service(services, service, patch, decision))
            except PatchFailed as exc:
                module.fail_json(msg=str(exc), changed=bool(changed_services), changed_services=changed_services)
        meta = service['metadata']
        changed_services.append(dict(namespace=meta['namespace'], name=meta['name'],
                                     before=locality_fields(service), after=after))

    result = dict(
        changed=bool(changed_services),
        server_version=version_info['git_version'],
        mechanism=decision.mechanism,
        field=decision.field,
        value=decision.value,
        matched=len(items),
        changed_services=changed_services,
        unchanged=planned['unchanged'],
        excluded=planned['excluded'],
        skipped_services=planned['skipped_services'],
    )
    if module._diff:
        result['diff'] = dict(
            before=dict(('%(namespace)s/%(name)s' % item, item['before']) for item in changed_services),
            after=dict(('%(namespace)s/%(name)s' % item, item['after']) for item in changed_services),
        )
    module.exit_json(**result)


if __name__ == '__main__':
    main()
