# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgresCluster API helpers the postgres_* modules share, on top of k8s/client.py and k8s/objects.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.baremetal.platform.plugins.module_utils.k8s import objects
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import (
    API_ERRORS, api_error_message, resource,
)
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.objects import ResourceNotFoundError, get_or_none
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.operator_versions import (
    CONTROL_PLANE_LABEL, is_operator,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.spec import (
    API_VERSION, KIND, LABEL_CLUSTER, LABEL_INSTANCE_SET,
)


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


def existing_cluster(module, client, namespace, name):
    """(the PostgresCluster API, the cluster as a dict); fails clearly when the cluster does not exist."""
    api = cluster_resource(module, client)
    cluster = get_or_none(module, api, name, namespace, KIND)
    if cluster is None:
        module.fail_json(msg='PostgresCluster %s/%s does not exist; create it with baremetal.platform.postgres_cluster '
                             'first.' % (namespace, name))
    return api, cluster


def explain_with_events(client, namespace, name):
    """k8s/objects.py's explain_with_events for a PostgresCluster: its recent Warning events, for a failed wait."""
    return objects.explain_with_events(client, namespace, name, KIND)


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
