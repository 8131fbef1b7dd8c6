# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small API helpers the postgres_* modules share, on top of k8s_common (auth and client)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.baremetal.platform.plugins.module_utils.k8s_common import (
    API_ERRORS, api_error_message, resource,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_cluster_spec import API_VERSION, KIND

try:
    from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError
except ImportError:  # pragma: no cover - require_k8s_libraries reports it first
    NotFoundError = ResourceNotFoundError = Exception

POLL_SECONDS = 2


def cluster_resource(module, client):
    """The PostgresCluster API, or a clear failure when the operator's CRD is not installed."""
    try:
        return resource(client, API_VERSION, KIND)
    except ResourceNotFoundError:
        module.fail_json(msg='The API server does not serve %s %s: install Crunchy PGO first (role '
                             'baremetal.platform.postgres_operator) or point kubeconfig at the right cluster.'
                             % (API_VERSION, KIND))
    except API_ERRORS as exc:
        module.fail_json(msg='Could not discover the PostgresCluster API: %s' % api_error_message(exc))
    return None


def plain(found):
    """An API object as a dict, without the bulky metadata.managedFields."""
    found = found.to_dict()
    found.get('metadata', {}).pop('managedFields', None)
    return found


def get_or_none(module, api, name, namespace=None, what='object'):
    """The object as a dict (without managedFields), None when it does not exist; API errors fail clearly."""
    try:
        return plain(api.get(name=name, namespace=namespace))
    except NotFoundError:
        return None
    except API_ERRORS as exc:
        module.fail_json(msg='Could not read %s %s/%s: %s' % (what, namespace or '-', name, api_error_message(exc)))
    return None


def wait_until(fetch, done, timeout):
    """Poll fetch() until done(value) is true; returns (value, True) or the last value and False at timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value, True
        if time.monotonic() >= deadline:
            return value, False
        time.sleep(POLL_SECONDS)
