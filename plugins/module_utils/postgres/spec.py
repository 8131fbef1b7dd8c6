# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the postgres_cluster options and build the Crunchy PGO v5/v6 PostgresCluster object from them.

Pure functions (no API calls), so every rule is unit-tested. Field names follow the PostgresCluster CRD,
``postgres-operator.crunchydata.com/v1beta1`` (served by PGO v5 and v6).

A value of ``None`` in the built spec means "this field must be absent": the merge patch deletes it when an
earlier run wrote it (for example pgBouncer switched off), see k8s/merge_patch.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

API_VERSION = 'postgres-operator.crunchydata.com/v1beta1'
KIND = 'PostgresCluster'
LABEL_CLUSTER = 'postgres-operator.crunchydata.com/cluster'
LABEL_INSTANCE_SET = 'postgres-operator.crunchydata.com/instance-set'
LABEL_ROLE = 'postgres-operator.crunchydata.com/role'
HOSTNAME_TOPOLOGY = 'kubernetes.io/hostname'
# The list items and pgBackRest settings postgres_cluster wrote, so that a later run removes the ones the task no
# longer names and leaves everything else in those lists (added by others) alone.
OWNED_ANNOTATION = 'baremetal.platform/postgres-cluster-owned'
SERVICE_TYPES = ('ClusterIP', 'NodePort', 'LoadBalancer')
POSTGRES_VERSIONS = (11, 18)  # the CRD's minimum and maximum of spec.postgresVersion

# Pods of an instance set are named <cluster>-<set>-<4 random>-<n>, and their controller-revision-hash label
# (<statefulset>-<up to 10 chars>) must fit the 63-character label limit: 63 - 4 - 10 - 3 dashes = 46.
MAX_CLUSTER_AND_SET_NAME = 46

_DNS_1035_LABEL = re.compile(r'^[a-z]([-a-z0-9]*[a-z0-9])?$')
_DNS_1123_LABEL = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
_QUANTITY = re.compile(r'^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[kMGTPE])?$')
_REPO_NAME = re.compile(r'^repo[1-4]$')
_CRON_FIELD = re.compile(r'^[0-9*/,\-A-Za-z?]+$')


def total_instances(params):
    """Pods in the instance set: the primary plus the replicas beside it (pgo v4's --replica-count)."""
    return params['replicas'] + 1


def _check_name(value, what, errors, pattern=_DNS_1123_LABEL, kind='a DNS-1123 label'):
    if not value or len(value) > 63 or not pattern.match(value):
        errors.append('%s %r is not %s (lower-case letters, digits and "-", at most 63 characters, '
                      'starting and ending with a letter or digit); choose another name.' % (what, value, kind))


def name_errors(params, name_option='name'):
    """Problems with name and namespace alone (all that state=absent and the other modules need)."""
    errors = []
    _check_name(params['name'], name_option, errors, _DNS_1035_LABEL, 'a DNS-1035 label (it must start with a letter)')
    _check_name(params['namespace'], 'namespace', errors)
    return errors


def _check_cluster_names(params, errors):
    errors.extend(name_errors(params))
    _check_name(params['instance_name'], 'instance_name', errors)
    if len(params['name'] or '') + len(params['instance_name'] or '') > MAX_CLUSTER_AND_SET_NAME:
        errors.append('name and instance_name together have %d characters; at most %d fit the pod labels the '
                      'operator creates: shorten one of them.'
                      % (len(params['name']) + len(params['instance_name']), MAX_CLUSTER_AND_SET_NAME))


def _check_topology(params, errors):
    low, high = POSTGRES_VERSIONS
    if not low <= params['postgres_version'] <= high:
        errors.append('postgres_version %d is not supported by the PostgresCluster CRD (%d to %d).'
                      % (params['postgres_version'], low, high))
    replicas = params['replicas']
    if replicas < 0 or (replicas == 0 and not params['allow_single_instance']):
        errors.append('replicas is %d: it counts the standby replicas beside the primary (like pgo --replica-count), '
                      'so a highly available cluster needs at least 1; set allow_single_instance: true to run a '
                      'single Postgres without failover.' % replicas)
    if params['sync_replication_strict'] and not params['sync_replication']:
        errors.append('sync_replication_strict needs sync_replication: true (strict is a variant of synchronous mode).')
    if params['sync_replication_strict'] and total_instances(params) < 2:
        errors.append('sync_replication_strict with a single instance would block every write (no replica can '
                      'confirm it); add replicas or drop sync_replication_strict.')


def _check_pgbouncer(params, errors):
    pgbouncer = params.get('pgbouncer') or {}
    if pgbouncer.get('enabled') and pgbouncer.get('replicas', 1) < 1:
        errors.append('pgbouncer.replicas is %d; an enabled pgBouncer needs at least 1 (or set pgbouncer.enabled: false).'
                      % pgbouncer['replicas'])


def _check_quantity(value, what, errors):
    if not _QUANTITY.match(str(value)):
        errors.append('%s %r is not a Kubernetes quantity; write it like 10Gi or 500Mi.' % (what, value))


def _check_users(params, errors):
    seen = set()
    for user in params.get('users') or []:
        name = user.get('name')
        _check_name(name, 'users[].name', errors)
        if name in seen:
            errors.append('user %r is listed twice in users; list each user once.' % name)
        seen.add(name)
        for database in user.get('databases') or []:
            if not database or not database.strip():
                errors.append('user %r has an empty database name in databases; remove it.' % name)
        options = user.get('options') or ''
        if ';' in options or re.search(r'(?i)password', options) or re.search(r'--|/\*|\*/', options):
            errors.append('users[%s].options %r may not contain ";", comments or PASSWORD (the operator rejects them; '
                          'it manages passwords itself).' % (name, options))


def _check_cron(value, what, errors):
    fields = str(value).split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(field) for field in fields):
        errors.append('%s %r is not a five-field cron schedule such as "0 1 * * 0".' % (what, value))


def _check_repo(repo, errors):
    name = repo.get('name')
    if not _REPO_NAME.match(name or ''):
        errors.append('backups.repos[].name %r must be one of repo1, repo2, repo3, repo4 (pgBackRest repository names).'
                      % name)
    if bool(repo.get('volume')) == bool(repo.get('s3')):
        errors.append('backup repository %r needs exactly one of volume or s3.' % name)
    if repo.get('volume'):
        _check_quantity(repo['volume'].get('size'), 'backups repository %s volume.size' % name, errors)
    for kind, schedule in sorted((repo.get('schedules') or {}).items()):
        if schedule:
            _check_cron(schedule, 'backups repository %s schedules.%s' % (name, kind), errors)


def _check_backups(params, errors):
    repos = backup_repos(params)
    names = [repo.get('name') for repo in repos]
    for name in set(names):
        if names.count(name) > 1:
            errors.append('backup repository %r is listed twice; each of repo1..repo4 can be used once.' % name)
    for repo in repos:
        _check_repo(repo, errors)


def validation_errors(params):
    """Every problem with the module options, as readable messages (empty when the options are valid)."""
    errors = []
    _check_cluster_names(params, errors)
    _check_topology(params, errors)
    _check_pgbouncer(params, errors)
    _check_quantity(params['storage_size'], 'storage_size', errors)
    _check_users(params, errors)
    _check_backups(params, errors)
    return errors


def backup_repos(params):
    """The pgBackRest repositories asked for; by default one volume repository like the data volume."""
    backups = params.get('backups') or {}
    if backups.get('repos'):
        return backups['repos']
    return [dict(name='repo1', volume=dict(size=params['storage_size'], storage_class=params.get('storage_class')),
                 s3=None, schedules=None)]


def storage_classes(params):
    """StorageClass names the cluster will use (data and backup volumes), sorted, without duplicates."""
    names = set()
    if params.get('storage_class'):
        names.add(params['storage_class'])
    for repo in backup_repos(params):
        if repo.get('volume') and repo['volume'].get('storage_class'):
            names.add(repo['volume']['storage_class'])
    return sorted(names)


def volume_claim_spec(size, storage_class):
    """A ReadWriteOnce claim; storageClassName absent means the cluster's default StorageClass."""
    return {
        'accessModes': ['ReadWriteOnce'],
        'resources': {'requests': {'storage': size}},
        'storageClassName': storage_class or None,
    }


def anti_affinity(mode, match_labels):
    """Spread pods with these labels across nodes: preferred (schedule anyway) or required (stay Pending)."""
    term = {'topologyKey': HOSTNAME_TOPOLOGY, 'labelSelector': {'matchLabels': match_labels}}
    if mode == 'required':
        return {'podAntiAffinity': {
            'requiredDuringSchedulingIgnoredDuringExecution': [term],
            'preferredDuringSchedulingIgnoredDuringExecution': None,
        }}
    return {'podAntiAffinity': {
        'preferredDuringSchedulingIgnoredDuringExecution': [{'weight': 100, 'podAffinityTerm': term}],
        'requiredDuringSchedulingIgnoredDuringExecution': None,
    }}


def _instance_set(params):
    labels = {LABEL_CLUSTER: params['name'], LABEL_INSTANCE_SET: params['instance_name']}
    return {
        'name': params['instance_name'],
        'replicas': total_instances(params),
        'dataVolumeClaimSpec': volume_claim_spec(params['storage_size'], params.get('storage_class')),
        'affinity': anti_affinity(params['anti_affinity'], labels),
    }


def _pgbouncer(params):
    pgbouncer = params.get('pgbouncer') or {}
    if not pgbouncer.get('enabled'):
        return None
    labels = {LABEL_CLUSTER: params['name'], LABEL_ROLE: 'pgbouncer'}
    return {'pgBouncer': {
        'replicas': pgbouncer.get('replicas', 1),
        'service': {'type': pgbouncer.get('service_type') or params['service_type']},
        'affinity': anti_affinity(params['anti_affinity'], labels),
    }}


def users_managed(params):
    """Whether the task manages spec.users: it lists users, or it owns the whole list (purge_users)."""
    return params.get('users') is not None or bool(params.get('purge_users'))


def _users(params):
    users = []
    for user in params.get('users') or []:
        entry = {'name': user['name']}
        if user.get('databases'):
            entry['databases'] = list(user['databases'])
        if user.get('options'):
            entry['options'] = user['options']
        users.append(entry)
    return users or None


def _repo(repo):
    entry = {'name': repo['name']}
    if repo.get('volume'):
        entry['volume'] = {'volumeClaimSpec': volume_claim_spec(repo['volume']['size'], repo['volume'].get('storage_class'))}
    else:
        entry['s3'] = {key: repo['s3'][key] for key in ('bucket', 'endpoint', 'region')}
    schedules = {kind: value for kind, value in (repo.get('schedules') or {}).items() if value}
    if schedules:
        entry['schedules'] = schedules
    return entry


def _backups(params):
    backups = params.get('backups') or {}
    secret = backups.get('configuration_secret')
    # pgBackRest settings are strings in the CRD; YAML users often write retention counts as numbers.
    settings = dict((key, str(value)) for key, value in (backups.get('global_options') or {}).items())
    pgbackrest = {'repos': [_repo(repo) for repo in backup_repos(params)]}
    if settings:
        pgbackrest['global'] = settings
    if secret:
        pgbackrest['configuration'] = [{'secret': {'name': secret}}]
    return {'pgbackrest': pgbackrest}


def build_spec(params):
    """The spec fields postgres_cluster owns; None marks a field that must be absent.

    spec.users is owned only when the task lists users or sets purge_users; pgBackRest global settings and the
    configuration Secret only when given (see plan() for removing the ones an earlier run wrote).
    """
    spec = {
        'postgresVersion': params['postgres_version'],
        'instances': [_instance_set(params)],
        'service': {'type': params['service_type']},
        'replicaService': {'type': params['service_type']},
        'patroni': {'dynamicConfiguration': {
            'synchronous_mode': bool(params['sync_replication']),
            'synchronous_mode_strict': bool(params['sync_replication_strict']),
        }},
        'proxy': _pgbouncer(params),
        'users': _users(params),
        'backups': _backups(params),
    }
    if not users_managed(params):
        del spec['users']
    return spec


def owned_items(params):
    """What this run owns in the lists and maps it shares with others (recorded in OWNED_ANNOTATION)."""
    backups = params.get('backups') or {}
    owned = {
        'instances': [params['instance_name']],
        'repos': sorted(repo['name'] for repo in backup_repos(params)),
        'global': sorted(str(key) for key in backups.get('global_options') or {}),
        'configuration': [backups['configuration_secret']] if backups.get('configuration_secret') else [],
    }
    if users_managed(params):
        owned['users'] = sorted(user['name'] for user in params.get('users') or [])
    return owned


def previously_owned(cluster):
    """OWNED_ANNOTATION of the object on the server, as a dict of lists ({} when absent or unreadable)."""
    annotations = ((cluster or {}).get('metadata') or {}).get('annotations') or {}
    try:
        found = json.loads(annotations.get(OWNED_ANNOTATION) or '{}')
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return dict((key, [str(item) for item in value]) for key, value in found.items() if isinstance(value, list))


def owned_annotation(owned):
    """OWNED_ANNOTATION's value: compact JSON with sorted keys, so an unchanged record compares equal."""
    return json.dumps(owned, sort_keys=True, separators=(',', ':'))


def plan(params, current):
    """(desired spec, removals, owned record) for the object on the server (None when it is to be created).

    removals: keyed list path -> keys of the items an earlier run of the module wrote and this task no longer
    names (merge_owned drops them); items nobody recorded as the module's are somebody else's and stay. With
    purge_users the module owns spec.users whole: users it does not list are removed.
    """
    desired = build_spec(params)
    owned = owned_items(params)
    before = previously_owned(current)
    live = (current or {}).get('spec') or {}
    removals = {
        ('instances',): set(before.get('instances', [])) - set(owned['instances']),
        ('backups', 'pgbackrest', 'repos'): set(before.get('repos', [])) - set(owned['repos']),
        ('backups', 'pgbackrest', 'configuration'): set(before.get('configuration', [])) - set(owned['configuration']),
    }
    if params.get('purge_users'):
        removals[('users',)] = set(user.get('name') for user in live.get('users') or []) - set(owned['users'])
    elif 'users' in owned:
        removals[('users',)] = set(before.get('users', [])) - set(owned['users'])
    else:
        owned['users'] = before.get('users', [])  # not managed by this task: keep the record as it was
    if removals[('backups', 'pgbackrest', 'configuration')]:
        desired['backups']['pgbackrest'].setdefault('configuration', [])
    dropped_settings = set(before.get('global', [])) - set(owned['global'])
    if dropped_settings:
        pgbackrest = desired['backups']['pgbackrest']
        pgbackrest['global'] = dict(pgbackrest.get('global') or {}, **dict((key, None) for key in dropped_settings))
    if not owned['users'] and 'users' not in before and not users_managed(params):
        del owned['users']
    return desired, removals, owned


def build_object(params, spec):
    """A whole PostgresCluster object, for creation (spec already pruned of None)."""
    return {
        'apiVersion': API_VERSION,
        'kind': KIND,
        'metadata': {'name': params['name'], 'namespace': params['namespace']},
        'spec': spec,
    }
