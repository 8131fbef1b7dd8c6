# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The generic merge of owned fields (k8s/merge_patch.py), bound to the PostgresCluster spec's keyed lists."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.baremetal.platform.plugins.module_utils.k8s import merge_patch
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.merge_patch import by_name


# backups.pgbackrest.configuration holds volume projections without a name; the module's own item is the projection
# of its configuration Secret.
def by_secret(item):
    """The key of a volume projection: the name of its Secret."""
    secret = item.get('secret') if isinstance(item, dict) else None
    return secret.get('name') if isinstance(secret, dict) else None


# Lists in the PostgresCluster spec whose items the API server merges by a key (x-kubernetes-list-type: map,
# x-kubernetes-list-map-keys: [name] in the CRD): the module changes only the items it names and keeps the rest.
KEYED_LISTS = {
    ('instances',): by_name,
    ('users',): by_name,
    ('backups', 'pgbackrest', 'repos'): by_name,
    ('backups', 'pgbackrest', 'configuration'): by_secret,
}


def merge_owned(current, desired, removals=None):
    """merge_patch.merge_owned on a PostgresCluster spec: its keyed lists merge item by item."""
    return merge_patch.merge_owned(current, desired, removals, keyed=KEYED_LISTS)


def changed_fields(before, after, path='spec'):
    """merge_patch.changed_fields on a PostgresCluster spec: items of its keyed lists are named by their key."""
    return merge_patch.changed_fields(before, after, path, keyed=KEYED_LISTS)
