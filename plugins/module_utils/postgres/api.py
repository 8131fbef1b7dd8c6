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
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_cluster_spec import (
    API_VERSION, KIND, LABEL_CLUSTER, LABEL_INSTANCE_SET,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_operator import CONTROL_PLANE_LABEL, is_operator

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


def _event_time(event):
    return (event.get('lastTimestamp') or event.get('eventTime') or (event.get('series') or {}).get('lastObservedTime')
            or (event.get('metadata') or {}).get('creationTimestamp') or '')


def warning_events(client, namespace, name, kind='PostgresCluster', limit=5):
    """The newest Warning events about one object, as 'Reason: message' lines (newest last; None when unreadable)."""
    selector = 'involvedObject.kind=%s,involvedObject.name=%s,type=Warning' % (kind, name)
    try:
        found = resource(client, 'v1', 'Event').get(namespace=namespace, field_selector=selector).to_dict()
    except API_ERRORS + (ResourceNotFoundError,):
        return None
    events = sorted(found.get('items') or [], key=lambda event: str(_event_time(event)))[-limit:]
    lines = []
    for event in events:
        count = event.get('count') or ((event.get('series') or {}).get('count'))
        times = ' (%d times)' % count if count and count > 1 else ''
        lines.append('%s: %s%s' % (event.get('reason'), (event.get('message') or '').strip(), times))
    return lines


def explain_with_events(client, namespace, name, kind='PostgresCluster'):
    """A sentence quoting the object's recent Warning events, for the message of a failed wait."""
    lines = warning_events(client, namespace, name, kind)
    if lines is None:
        return ' (The Events of %s %s/%s could not be read.)' % (kind, namespace, name)
    if not lines:
        return (' %s %s/%s has no Warning events (if the operator runs, it has not complained; else check that its '
                'Deployment is up).' % (kind, namespace, name))
    return ' Recent Warning events of %s %s/%s: %s.' % (kind, namespace, name, '; '.join(lines))


def operator_deployments(module, client, namespace=None, name=None):
    """The operator Deployments as dicts: the named one, else those with RELATED_IMAGE_POSTGRES_* in any namespace.

    The lookup by label (the operator's kustomize install sets CONTROL_PLANE_LABEL) comes first; a scan of every
    Deployment follows when it finds nothing (helm and other installs). Returns None when listing is forbidden.
    """
    deployments = resource(client, 'apps/v1', 'Deployment')
    if name:
        found = get_or_none(module, deployments, name, namespace, 'Deployment')
        return [found] if found else []
    try:
        candidates = deployments.get(namespace=namespace, label_selector=CONTROL_PLANE_LABEL).to_dict().get('items') or []
        operators = [item for item in candidates if is_operator(item)]
        if not operators:
            candidates = deployments.get(namespace=namespace).to_dict().get('items') or []
            operators = [item for item in candidates if is_operator(item)]
    except API_ERRORS:
        return None
    return operators


def instance_statefulsets(client, namespace, name, instance_set):
    """'name (ready of replicas ready)' for each StatefulSet the operator made for the instance set ([] when none).

    PGO makes one StatefulSet per Postgres instance, labelled with the cluster and the instance set; None when the
    list cannot be read.
    """
    selector = '%s=%s,%s=%s' % (LABEL_CLUSTER, name, LABEL_INSTANCE_SET, instance_set)
    try:
        found = resource(client, 'apps/v1', 'StatefulSet').get(namespace=namespace, label_selector=selector).to_dict()
    except API_ERRORS + (ResourceNotFoundError,):
        return None
    return ['%s (%d of %d ready)' % (item['metadata']['name'], (item.get('status') or {}).get('readyReplicas') or 0,
                                     (item.get('spec') or {}).get('replicas') or 0)
            for item in sorted(found.get('items') or [], key=lambda item: item['metadata']['name'])]


def explain_instances(client, namespace, name, instance_set):
    """A sentence on the instance StatefulSets, for the message of a failed wait ('' when they cannot be read)."""
    found = instance_statefulsets(client, namespace, name, instance_set)
    if found is None:
        return ''
    if not found:
        return ' The operator has created no StatefulSet for instance set %s yet.' % instance_set
    return ' StatefulSets of instance set %s: %s.' % (instance_set, ', '.join(found))
