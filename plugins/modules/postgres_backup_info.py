#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: postgres_backup_info
short_description: List the pgBackRest backups and repositories of a Crunchy PGO cluster
version_added: 0.1.0
description:
  - Returns the backups the operator tracks in the cluster's status (the last manual backup and each scheduled run)
    and the repositories' state. It only reads; it does not exec C(pgbackrest info) in a pod.
  - Replaces O(baremetal.platform.postgres_backup#module:operation=list), which is deprecated.
author:
  - baremetal.platform maintainers (@baremetal-platform)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - baremetal.platform.postgres_cluster_ref
  - baremetal.platform.info_module_attributes
seealso:
  - module: baremetal.platform.postgres_backup
  - module: baremetal.platform.postgres_cluster
requirements:
  - kubernetes >= 24.2.0 (Python)
  - kubernetes.core collection
'''

EXAMPLES = r'''
- name: List the backups the operator ran
  baremetal.platform.postgres_backup_info:
    cluster: marketplace
    namespace: marketplace
  register: marketplace_backups

- name: Fail when no backup has finished yet
  ansible.builtin.assert:
    that: marketplace_backups.backups | selectattr('finished') | list | length > 0
    fail_msg: No backup of marketplace has finished; run baremetal.platform.postgres_backup first.
'''

RETURN = r'''
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import connect, require_k8s_libraries
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.api import existing_cluster
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.args_common import (
    cluster_ref_argument_spec, cluster_ref_errors,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.status import backups, repositories


def main():
    module = AnsibleModule(argument_spec=cluster_ref_argument_spec(), supports_check_mode=True)
    params = module.params
    errors = cluster_ref_errors(params)
    if errors:
        module.fail_json(msg=' '.join(errors))
    require_k8s_libraries(module)
    client = connect(module)
    cluster = existing_cluster(module, client, params['namespace'], params['cluster'])[1]
    module.exit_json(changed=False, backups=backups(cluster), repositories=repositories(cluster))


if __name__ == '__main__':
    main()
