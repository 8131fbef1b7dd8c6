# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Namespace objects for one kubernetes.core.k8s call (the cert_manager, istio and postgres_operator roles)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types


def namespace_objects(names):
    """One v1 Namespace per distinct name, in the order first given."""
    if isinstance(names, string_types) or not isinstance(names, (list, tuple)):
        raise AnsibleFilterError('namespace_objects needs a list of namespace names, got %r' % (names,))
    objects, seen = [], set()
    for name in names:
        if name not in seen:
            seen.add(name)
            objects.append({'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': name}})
    return objects


class FilterModule(object):
    """Kubernetes namespace filters."""

    def filters(self):
        return {'namespace_objects': namespace_objects}
