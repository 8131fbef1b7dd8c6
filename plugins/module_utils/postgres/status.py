# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read what Crunchy PGO reports in a PostgresCluster's status: readiness and the backups it ran.

Pure functions over the object as a dict, so they are unit-tested without a cluster.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def readiness(cluster, instance_name, instances, pgbouncer_replicas):
    """(ready, reason): ready when the operator saw the latest spec and reports every pod ready.

    instances: pods expected in the instance set (primary + replicas); pgbouncer_replicas: 0 when off.
    """
    metadata = cluster.get('metadata') or {}
    status = cluster.get('status') or {}
    if status.get('observedGeneration', 0) < metadata.get('generation', 1):
        return False, 'the operator has not yet processed generation %s of the spec' % metadata.get('generation')
    sets = dict((entry.get('name'), entry) for entry in status.get('instances') or [])
    found = sets.get(instance_name) or {}
    ready = found.get('readyReplicas', 0)
    updated = found.get('updatedReplicas', 0)
    if ready < instances or updated < instances:
        return False, 'instance set %s has %d of %d pods ready (%d updated)' % (instance_name, ready, instances, updated)
    if pgbouncer_replicas:
        bouncer = ((status.get('proxy') or {}).get('pgBouncer') or {}).get('readyReplicas', 0)
        if bouncer < pgbouncer_replicas:
            return False, 'pgBouncer has %d of %d pods ready' % (bouncer, pgbouncer_replicas)
    return True, 'every instance and pgBouncer pod is ready'


def _backup(kind, entry):
    return {
        'kind': kind,
        'name': entry.get('cronJobName') or entry.get('id') or kind,
        'repo': entry.get('repo'),
        'type': entry.get('type'),
        'start_time': entry.get('startTime'),
        'completion_time': entry.get('completionTime'),
        'active': entry.get('active', 0),
        'succeeded': entry.get('succeeded', 0),
        'failed': entry.get('failed', 0),
        'finished': bool(entry.get('finished') or entry.get('completionTime')),
    }


def backups(cluster):
    """The backups the operator tracks in status.pgbackrest: the last manual one and each scheduled run."""
    pgbackrest = (cluster.get('status') or {}).get('pgbackrest') or {}
    found = []
    if pgbackrest.get('manualBackup'):
        found.append(_backup('manual', pgbackrest['manualBackup']))
    for entry in pgbackrest.get('scheduledBackups') or []:
        found.append(_backup('scheduled', entry))
    return found


def repositories(cluster):
    """The pgBackRest repositories in status: name, stanza created, volume bound, initial backup done."""
    pgbackrest = (cluster.get('status') or {}).get('pgbackrest') or {}
    return [{
        'name': repo.get('name'),
        'stanza_created': bool(repo.get('stanzaCreated')),
        'bound': bool(repo.get('bound')),
        'replica_create_backup_complete': bool(repo.get('replicaCreateBackupComplete')),
    } for repo in pgbackrest.get('repos') or []]
