#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: postgres_backup
short_description: Trigger a manual pgBackRest backup of a Crunchy PGO cluster
version_added: 0.1.0
description:
  - O(operation=backup) asks the operator for a one-off pgBackRest backup the way Crunchy PGO v5/v6 expects it (and
    as C(kubectl pgo backup) does) - it sets C(spec.backups.pgbackrest.manual) (repository and options) and the
    annotation C(postgres-operator.crunchydata.com/pgbackrest-backup) to a new value; the operator then runs a
    backup Job.
  - Returns the backups the operator tracks in the cluster's status and the repositories' state, as
    M(baremetal.platform.postgres_backup_info) does.
  - O(operation=list) is deprecated; use M(baremetal.platform.postgres_backup_info), which only reads.
author:
  - baremetal.platform maintainers (@baremetal-platform)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - baremetal.platform.postgres_cluster_ref
attributes:
  check_mode:
    support: full
    description: Reports whether a backup would be requested, without writing.
  diff_mode:
    support: full
    description: Shows the manual-backup settings and annotation before and after.
options:
  operation:
    description:
      - C(backup) requests a backup.
      - C(list) only reads; it is deprecated and will be removed in 1.0.0. Use
        M(baremetal.platform.postgres_backup_info) instead.
    type: str
    choices: [backup, list]
    default: backup
  repo_name:
    description: Repository to back up to; it must be in the cluster's C(spec.backups.pgbackrest.repos).
    type: str
    default: repo1
  type:
    description: pgBackRest backup type (C(--type)); omitted lets pgBackRest choose (incremental after a full one).
    type: str
    choices: [full, diff, incr]
  options:
    description: More pgBackRest backup options, for example C(--start-fast=y).
    type: list
    elements: str
    default: []
  backup_id:
    description:
      - Value of the trigger annotation. Each new value starts one backup; running again with the same value changes
        nothing. Omitted means a new UTC timestamp, so every run starts a backup.
    type: str
  wait:
    description:
      - Wait until the operator reports this backup finished; fails when it failed or on timeout.
      - The failure message quotes the cluster's recent Warning events.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 1800
seealso:
  - module: baremetal.platform.postgres_cluster
  - module: baremetal.platform.postgres_backup_info
  - name: Crunchy PGO backup management
    description: How the operator takes one-off backups.
    link: https://access.crunchydata.com/documentation/postgres-operator/latest/tutorials/backups-disaster-recovery/backup-management
requirements:
  - kubernetes >= 24.2.0 (Python)
  - kubernetes.core collection
'''

EXAMPLES = r'''
- name: Full backup before a migration, once per release
  baremetal.platform.postgres_backup:
    cluster: marketplace
    namespace: marketplace
    type: full
    backup_id: "release-{{ app_version }}"
    wait: true
'''

RETURN = r'''
backup_id:
  description: The trigger annotation value of the requested backup.
  returned: operation=backup
  type: str
  sample: "20261123T234500Z"
backups:
  description: Backups in the cluster's status, newest information from the operator.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: C(manual) or C(scheduled).
      type: str
    name:
      description: Trigger annotation value (manual) or CronJob name (scheduled).
      type: str
    repo:
      description: Repository of a scheduled backup.
      type: str
    type:
      description: Backup type of a scheduled backup.
      type: str
    start_time:
      description: When the Job started.
      type: str
    completion_time:
      description: When the Job completed.
      type: str
    active:
      description: Running pods of the Job.
      type: int
    succeeded:
      description: Succeeded pods of the Job.
      type: int
    failed:
      description: Failed pods of the Job.
      type: int
    finished:
      description: Whether the Job finished.
      type: bool
repositories:
  description: pgBackRest repositories in the cluster's status.
  returned: always
  type: list
  elements: dict
'''

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import API_ERRORS, api_error_message, connect, require_k8s_libraries
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.merge_patch import CONTENT_TYPE as MERGE_PATCH, merge_patch, owned_view
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.objects import get_or_none, plain, wait_until
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.api import existing_cluster, explain_with_events
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.args_common import cluster_ref_argument_spec, cluster_ref_errors
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.status import backups, repositories

BACKUP_ANNOTATION = 'postgres-operator.crunchydata.com/pgbackrest-backup'


def desired_fields(params, backup_id):
    """The annotation and spec.backups.pgbackrest.manual this backup needs."""
    options = (['--type=%s' % params['type']] if params['type'] else []) + list(params['options'])
    return {
        'metadata': {'annotations': {BACKUP_ANNOTATION: backup_id}},
        'spec': {'backups': {'pgbackrest': {'manual': {'repoName': params['repo_name'], 'options': options or None}}}},
    }


def request_backup(module, api, cluster):
    params = module.params
    repos = [repo.get('name') for repo in
             (((cluster.get('spec') or {}).get('backups') or {}).get('pgbackrest') or {}).get('repos') or []]
    if params['repo_name'] not in repos:
        module.fail_json(msg='Repository %r is not in PostgresCluster %s/%s (it has: %s); set repo_name to one of them '
                             'or add it with baremetal.platform.postgres_cluster backups.repos.'
                             % (params['repo_name'], params['namespace'], params['cluster'], ', '.join(repos) or 'none'))
    backup_id = params['backup_id'] or datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
    desired = desired_fields(params, backup_id)
    patch = merge_patch(desired, cluster)
    result = dict(changed=bool(patch), backup_id=backup_id, patch=patch)
    if module._diff:
        result['diff'] = dict(before=owned_view(cluster, desired), after=desired)
    if patch and not module.check_mode:
        try:
            cluster = plain(api.patch(body=patch, name=params['cluster'], namespace=params['namespace'],
                                      content_type=MERGE_PATCH))
        except API_ERRORS as exc:
            module.fail_json(msg='Could not request the backup on PostgresCluster %s/%s: %s'
                                 % (params['namespace'], params['cluster'], api_error_message(exc)))
    return result, cluster


def wait_finished(module, client, api, backup_id):
    params = module.params

    def manual(cluster):
        found = (((cluster or {}).get('status') or {}).get('pgbackrest') or {}).get('manualBackup') or {}
        return found if found.get('id') == backup_id else {}

    cluster, done = wait_until(lambda: get_or_none(module, api, params['cluster'], params['namespace'], 'PostgresCluster'),
                               lambda value: bool(manual(value).get('finished')), params['wait_timeout'])
    state = manual(cluster)
    events = explain_with_events(client, params['namespace'], params['cluster'])
    if not done:
        module.fail_json(msg='Backup %s of %s/%s did not finish within %d s (operator status: %s). The operator starts '
                             'it only once the cluster is running and its stanza exists; check `kubectl -n %s get jobs '
                             '-l postgres-operator.crunchydata.com/pgbackrest-backup=manual` and the operator log.%s'
                             % (backup_id, params['namespace'], params['cluster'], params['wait_timeout'],
                                state or 'not started', params['namespace'], events))
    if state.get('failed') and not state.get('succeeded'):
        module.fail_json(msg='Backup %s of %s/%s failed; read the log of its Job (kubectl -n %s logs job/...).%s'
                             % (backup_id, params['namespace'], params['cluster'], params['namespace'], events))
    return cluster


def main():
    spec = cluster_ref_argument_spec(
        operation=dict(type='str', choices=['backup', 'list'], default='backup'),
        repo_name=dict(type='str', default='repo1'),
        type=dict(type='str', choices=['full', 'diff', 'incr']),
        options=dict(type='list', elements='str', default=[]),
        backup_id=dict(type='str'),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=1800),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    errors = cluster_ref_errors(params)
    if errors:
        module.fail_json(msg=' '.join(errors))
    if params['operation'] == 'list':
        module.deprecate('postgres_backup operation=list is deprecated; use baremetal.platform.postgres_backup_info, '
                         'which only reads and returns the same backups and repositories.',
                         version='1.0.0', collection_name='baremetal.platform')
    require_k8s_libraries(module)
    client = connect(module)
    api, cluster = existing_cluster(module, client, params['namespace'], params['cluster'])
    result = dict(changed=False)
    if params['operation'] == 'backup':
        result, cluster = request_backup(module, api, cluster)
        if params['wait'] and not module.check_mode:
            cluster = wait_finished(module, client, api, result['backup_id'])
    result.update(backups=backups(cluster), repositories=repositories(cluster))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
