#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: k8s_objects_info
short_description: Read several Kubernetes objects, lists and the server version in one module run
version_added: 1.0.0
description:
  - Reads every object or list in O(objects) with one API client, and optionally the API server's version.
  - One task of this module replaces a loop of M(kubernetes.core.k8s_info) calls and M(kubernetes.core.k8s_cluster_info).
    Each of those calls starts a Python interpreter on the controller and loads the Kubernetes client again, which
    costs 0.7-1.8 s. The add-on roles read their state with one call of this module before they decide what to write,
    so an idempotent re-run costs little.
  - Only reads. A missing object, or a kind the cluster does not serve (a CRD not installed yet), is reported as
    C(exists=false), not as an error.
  - C(metadata.managedFields) is dropped from every object.
author:
  - baremetal.platform maintainers (@baremetal-platform)
options:
  objects:
    description:
      - What to read. Each entry names one object (O(objects[].name)) or a list (no name; optionally O(objects[].label_selectors)).
      - The results come back in the same order.
    type: list
    elements: dict
    default: []
    suboptions:
      api_version:
        description: API group/version, for example V(v1) or V(apiextensions.k8s.io/v1).
        type: str
        required: true
      kind:
        description: Kind, for example V(Service).
        type: str
        required: true
      name:
        description: The object's name; without it, the entry lists every object of the kind.
        type: str
      namespace:
        description: Namespace of a namespaced kind; without it, a list covers every namespace.
        type: str
      label_selectors:
        description: Label selectors of a list, ANDed (as in M(kubernetes.core.k8s_info)).
        type: list
        elements: str
        default: []
  server_version:
    description: Also read the API server's version from C(/version) (cheaper than the full discovery of M(kubernetes.core.k8s_cluster_info)).
    type: bool
    default: false
requirements:
  - kubernetes (Python client) >= 24.2.0
  - the kubernetes.core collection (its auth code is reused)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - baremetal.platform.info_module_attributes
'''

EXAMPLES = r'''
- name: Read the VolumeSnapshot CRDs and the OpenEBS namespace at once
  baremetal.platform.k8s_objects_info:
    objects:
      - {api_version: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, name: volumesnapshots.snapshot.storage.k8s.io}
      - {api_version: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, name: volumesnapshotclasses.snapshot.storage.k8s.io}
      - {api_version: v1, kind: Namespace, name: openebs}
  register: state

- name: Nodes and the MetalLB webhook Service, with the server version
  baremetal.platform.k8s_objects_info:
    kubeconfig: /home/admin/.kube/config
    server_version: true
    objects:
      - {api_version: v1, kind: Node}
      - {api_version: v1, kind: Service, namespace: metallb-system, name: metallb-webhook-service}
  register: state
# state.kubernetes_version.git_version is e.g. v1.34.1; state.objects[0].items are the nodes.
'''

RETURN = r'''
objects:
  description: One entry per O(objects) entry, in order.
  returned: always
  type: list
  elements: dict
  contains:
    api_version:
      description: As asked.
      type: str
    kind:
      description: As asked.
      type: str
    name:
      description: As asked (null for a list).
      type: str
    namespace:
      description: As asked.
      type: str
    exists:
      description: The object exists (for a list, the kind is served; the list may still be empty).
      type: bool
    object:
      description: The object (named entries), without metadata.managedFields; null when it does not exist.
      type: dict
    items:
      description: The objects of a list entry, without metadata.managedFields; empty when none or not served.
      type: list
      elements: dict
  sample:
    - {api_version: v1, kind: Namespace, name: openebs, namespace: null, exists: true, object: {metadata: {name: openebs}}}
kubernetes_version:
  description: The API server's version (with O(server_version=true)).
  returned: when O(server_version=true)
  type: dict
  contains:
    git_version:
      description: gitVersion, for example V(v1.34.1+rke2r1).
      type: str
    major:
      description: Major version.
      type: int
    minor:
      description: Minor version.
      type: int
  sample: {git_version: v1.34.1, major: 1, minor: 34}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import (
    API_ERRORS, api_error_message, connect, k8s_auth_argument_spec, require_k8s_libraries, resource, server_version,
)
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.objects import (
    NotFoundError, ResourceNotFoundError, get_or_none,
)

OBJECT_SPEC = dict(
    api_version=dict(type='str', required=True),
    kind=dict(type='str', required=True),
    name=dict(type='str'),
    namespace=dict(type='str'),
    label_selectors=dict(type='list', elements='str', default=[]),
)


def read_entry(module, client, entry):
    """One entry's result: the named object, or the list (a kind the cluster does not serve exists=false)."""
    result = dict(api_version=entry['api_version'], kind=entry['kind'], name=entry.get('name'),
                  namespace=entry.get('namespace'), exists=False)
    what = '%s %s' % (entry['api_version'], entry['kind'])
    try:
        api = resource(client, entry['api_version'], entry['kind'])
    except ResourceNotFoundError:
        result.update({'object': None} if entry.get('name') else {'items': []})
        return result
    if entry.get('name'):
        found = get_or_none(module, api, entry['name'], entry.get('namespace'), what=what)
        result.update(exists=found is not None, object=found)
        return result
    selector = ','.join(entry.get('label_selectors') or []) or None
    try:
        listed = api.get(namespace=entry.get('namespace'), label_selector=selector)
    except NotFoundError:
        result.update(items=[])
        return result
    except API_ERRORS as exc:
        where = entry.get('namespace') or 'all namespaces'
        module.fail_json(msg='Could not list %s in %s: %s' % (what, where, api_error_message(exc)))
    items = listed.to_dict().get('items') or []
    for item in items:
        item.get('metadata', {}).pop('managedFields', None)
    result.update(exists=True, items=items)
    return result


def main():
    spec = k8s_auth_argument_spec()
    spec.update(
        objects=dict(type='list', elements='dict', default=[], options=OBJECT_SPEC),
        server_version=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    require_k8s_libraries(module)
    client = connect(module)
    results = dict(changed=False)
    if module.params['server_version']:
        try:
            results['kubernetes_version'] = server_version(client)
        except API_ERRORS as exc:
            module.fail_json(msg='Could not read the API server version: %s; check that the API server is up.'
                                 % api_error_message(exc))
    results['objects'] = [read_entry(module, client, entry) for entry in module.params['objects']]
    module.exit_json(**results)


if __name__ == '__main__':
    main()
