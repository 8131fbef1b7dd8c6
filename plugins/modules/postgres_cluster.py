#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: postgres_cluster
short_description: Declare a highly available Postgres cluster on Crunchy PGO (the replacement of C(pgo create cluster))
version_added: 0.1.0
description:
  - Creates, updates or deletes a Crunchy Postgres for Kubernetes (PGO v5/v6) C(PostgresCluster) object
    (C(postgres-operator.crunchydata.com/v1beta1)). The operator turns it into StatefulSets, Services, pgBouncer
    and the user Secrets.
  - Replaces the PGO v4 command C(pgo create cluster NAME --replica-count 2 --sync-replication --pgbouncer
    --service-type=LoadBalancer); see docs/pgo-flags.md for the flag-to-option table.
  - Every option is checked before any API write, and a StorageClass that is named is looked up first.
  - Updates send a JSON merge patch of only the fields that differ, so a change of O(replicas) or
    O(sync_replication) touches only those fields; fields set by the operator or by others are left alone.
author:
  - baremetal.platform maintainers (@baremetal-platform)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    support: full
    description: Computes the change and returns it without writing.
  diff_mode:
    support: full
    description: Shows the owned spec fields before and after.
options:
  name:
    description:
      - Cluster name (a DNS-1035 label). Services are C(<name>-primary), C(<name>-replicas), C(<name>-pgbouncer).
    type: str
    required: true
  namespace:
    description: Namespace of the cluster (must exist).
    type: str
    required: true
  state:
    description: C(present) creates or updates the cluster; C(absent) deletes it (the operator removes its pods and volumes).
    type: str
    choices: [present, absent]
    default: present
  postgres_version:
    description: Postgres major version (C(spec.postgresVersion)); the operator's images must provide it.
    type: int
    default: 17
  instance_name:
    description: Name of the instance set (C(spec.instances[].name)).
    type: str
    default: instance1
  replicas:
    description:
      - Standby replicas beside the primary, like pgo v4's C(--replica-count). C(2) gives three Postgres pods
        (C(spec.instances[].replicas=3)).
      - C(0) is refused unless O(allow_single_instance=true), because a single pod has no failover.
    type: int
    default: 2
  allow_single_instance:
    description: Allow O(replicas=0) (one Postgres pod, no failover), for development clusters.
    type: bool
    default: false
  sync_replication:
    description:
      - Synchronous replication (Patroni C(synchronous_mode)), like pgo v4's C(--sync-replication). A commit returns
        only when a replica has it too, so a failover loses no committed transaction.
    type: bool
    default: false
  sync_replication_strict:
    description:
      - Patroni C(synchronous_mode_strict). Without a healthy synchronous replica writes block instead of falling
        back to asynchronous replication. Needs O(sync_replication=true) and at least one replica.
    type: bool
    default: false
  service_type:
    description: Type of the primary and replica Services, like pgo v4's C(--service-type).
    type: str
    choices: [ClusterIP, NodePort, LoadBalancer]
    default: ClusterIP
  pgbouncer:
    description: The pgBouncer connection pooler (pgo v4's C(--pgbouncer)).
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Run pgBouncer (C(spec.proxy.pgBouncer)).
        type: bool
        default: false
      replicas:
        description: pgBouncer pods.
        type: int
        default: 1
      service_type:
        description: Type of the C(<name>-pgbouncer) Service; defaults to O(service_type).
        type: str
        choices: [ClusterIP, NodePort, LoadBalancer]
  storage_size:
    description: Size of each Postgres data volume (a Kubernetes quantity).
    type: str
    default: 10Gi
  storage_class:
    description:
      - StorageClass of the data volumes (the seed uses C(local-path)); omitted means the cluster's default class.
      - The module checks that it exists before writing.
    type: str
  anti_affinity:
    description:
      - Spread Postgres and pgBouncer pods across nodes (C(kubernetes.io/hostname)).
      - C(preferred) (the seed's choice) still schedules when there are too few nodes; C(required) leaves pods Pending
        rather than sharing a node.
    type: str
    choices: [preferred, required]
    default: preferred
  users:
    description:
      - Postgres users the operator creates (C(spec.users)), each with a Secret C(<name>-pguser-<user>).
      - Omitted means the operator's default, a user and database named after the cluster.
    type: list
    elements: dict
    suboptions:
      name:
        description: User name (a DNS-1123 label).
        type: str
        required: true
      databases:
        description: Databases the operator creates and grants to the user.
        type: list
        elements: str
        default: []
      options:
        description: Role options such as C(SUPERUSER) or C(CREATEDB) (no passwords, no C(;)).
        type: str
  backups:
    description:
      - pgBackRest backup repositories (C(spec.backups.pgbackrest)). Omitted means one volume repository C(repo1)
        of O(storage_size) in O(storage_class), without schedules.
    type: dict
    suboptions:
      repos:
        description: Up to four repositories C(repo1)..C(repo4), each a volume or an S3 bucket.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: C(repo1), C(repo2), C(repo3) or C(repo4).
            type: str
            required: true
          volume:
            description: A volume repository.
            type: dict
            suboptions:
              size:
                description: Size of the repository volume.
                type: str
                required: true
              storage_class:
                description: StorageClass of the repository volume; omitted means the default class.
                type: str
          s3:
            description: An S3 (or compatible) repository; its keys go in O(backups.configuration_secret).
            type: dict
            suboptions:
              bucket:
                description: Bucket name.
                type: str
                required: true
              endpoint:
                description: S3 endpoint, for example C(s3.eu-central-1.amazonaws.com).
                type: str
                required: true
              region:
                description: S3 region.
                type: str
                required: true
          schedules:
            description: Cron schedules (five fields, UTC) for the operator's backup CronJobs.
            type: dict
            suboptions:
              full:
                description: Full backups, for example C(0 1 * * 0).
                type: str
              differential:
                description: Differential backups.
                type: str
              incremental:
                description: Incremental backups.
                type: str
      global_options:
        description: pgBackRest settings for every repository (C(spec.backups.pgbackrest.global)), such as C(repo1-retention-full).
        type: dict
        default: {}
      configuration_secret:
        description: Secret with pgBackRest configuration (for example S3 keys in C(s3.conf)), mounted by the operator.
        type: str
  wait:
    description:
      - Wait until the operator reports every Postgres and pgBouncer pod ready (with O(state=absent), until the object is gone).
      - On timeout the module fails and says what is still missing.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
notes:
  - The password of a user is in its Secret; read it with M(baremetal.platform.postgres_credentials_info).
  - Manual backups and the backup list are M(baremetal.platform.postgres_backup).
seealso:
  - module: baremetal.platform.postgres_credentials_info
  - module: baremetal.platform.postgres_backup
  - name: PostgresCluster reference
    description: The operator's custom resource.
    link: https://access.crunchydata.com/documentation/postgres-operator/latest/references/crd
requirements:
  - kubernetes >= 24.2.0 (Python)
  - kubernetes.core collection
'''

EXAMPLES = r'''
- name: The seed's cluster (pgo create cluster --replica-count 2 --sync-replication --pgbouncer --service-type=LoadBalancer)
  baremetal.platform.postgres_cluster:
    name: marketplace
    namespace: marketplace
    replicas: 2
    sync_replication: true
    pgbouncer:
      enabled: true
    service_type: LoadBalancer
    storage_class: local-path
    storage_size: 10Gi
    users:
      - name: shop
        databases: [shop]
    backups:
      repos:
        - name: repo1
          volume:
            size: 20Gi
            storage_class: local-path
          schedules:
            full: "0 1 * * 0"
            incremental: "0 1 * * 1-6"
      global_options:
        repo1-retention-full: "4"
    kubeconfig: "{{ platform_kubeconfig }}"

- name: Remove a cluster
  baremetal.platform.postgres_cluster:
    name: scratch
    namespace: dev
    state: absent
    wait: true
'''

RETURN = r'''
cluster:
  description: The PostgresCluster as the API server returned it after the change (absent after deletion; the object that would be sent in check mode).
  returned: state=present
  type: dict
patch:
  description: The JSON merge patch of C(spec) that was (or in check mode would be) sent; empty when nothing changed or the object was created.
  returned: always
  type: dict
  sample: {instances: [{name: instance1, replicas: 3}]}
ready:
  description: Whether the operator reported every pod ready (only known with O(wait=true)).
  returned: when wait is true and state is present
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.baremetal.platform.plugins.module_utils.k8s_common import (
    API_ERRORS, api_error_message, connect, k8s_auth_argument_spec, require_k8s_libraries, resource,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_cluster_spec import (
    build_object, build_spec, name_errors, storage_classes, total_instances, validation_errors,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_k8s import (
    cluster_resource, get_or_none, plain, wait_until,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_merge_patch import (
    apply_patch, merge_patch, owned_view, prune_none,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_status import readiness

SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer']


def argument_spec():
    spec = k8s_auth_argument_spec()
    schedules = dict(full=dict(type='str'), differential=dict(type='str'), incremental=dict(type='str'))
    repo = dict(
        name=dict(type='str', required=True),
        volume=dict(type='dict', options=dict(size=dict(type='str', required=True), storage_class=dict(type='str'))),
        s3=dict(type='dict', options=dict(bucket=dict(type='str', required=True), endpoint=dict(type='str', required=True),
                                          region=dict(type='str', required=True))),
        schedules=dict(type='dict', options=schedules),
    )
    spec.update(
        name=dict(type='str', required=True),
        namespace=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        postgres_version=dict(type='int', default=17),
        instance_name=dict(type='str', default='instance1'),
        replicas=dict(type='int', default=2),
        allow_single_instance=dict(type='bool', default=False),
        sync_replication=dict(type='bool', default=False),
        sync_replication_strict=dict(type='bool', default=False),
        service_type=dict(type='str', choices=SERVICE_TYPES, default='ClusterIP'),
        pgbouncer=dict(type='dict', default={}, options=dict(
            enabled=dict(type='bool', default=False),
            replicas=dict(type='int', default=1),
            service_type=dict(type='str', choices=SERVICE_TYPES),
        )),
        storage_size=dict(type='str', default='10Gi'),
        storage_class=dict(type='str'),
        anti_affinity=dict(type='str', choices=['preferred', 'required'], default='preferred'),
        users=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            databases=dict(type='list', elements='str', default=[]),
            options=dict(type='str'),
        )),
        backups=dict(type='dict', options=dict(
            repos=dict(type='list', elements='dict', default=[], options=repo),
            global_options=dict(type='dict', default={}),
            configuration_secret=dict(type='str', no_log=False),  # a Secret's name, not a secret
        )),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=600),
    )
    return spec


def check_storage_classes(module, client):
    """Fail before any write when a named StorageClass does not exist (one GET per class)."""
    classes = resource(client, 'storage.k8s.io/v1', 'StorageClass')
    for name in storage_classes(module.params):
        if get_or_none(module, classes, name, what='StorageClass') is None:
            module.fail_json(msg='StorageClass %r does not exist in the cluster; install it first (the addons phase '
                                 'installs local-path) or set storage_class to an existing class (kubectl get '
                                 'storageclass).' % name)


def write(module, api, current, desired):
    """Create or patch; returns (changed, patch, object after)."""
    params = module.params
    if current is None:
        body = build_object(params, prune_none(desired))
        if module.check_mode:
            return True, {}, body
        try:
            return True, {}, plain(api.create(body=body, namespace=params['namespace']))
        except API_ERRORS as exc:
            module.fail_json(msg='The API server refused the new PostgresCluster %s/%s: %s'
                                 % (params['namespace'], params['name'], api_error_message(exc)))
    patch = merge_patch(desired, current.get('spec'))
    if not patch or module.check_mode:
        return bool(patch), patch, current
    try:
        after = api.patch(body={'spec': patch}, name=params['name'], namespace=params['namespace'],
                          content_type='application/merge-patch+json')
    except API_ERRORS as exc:
        module.fail_json(msg='The API server refused the change to PostgresCluster %s/%s: %s'
                             % (params['namespace'], params['name'], api_error_message(exc)), patch=patch)
    return True, patch, plain(after)


def wait_ready(module, api, result):
    params = module.params
    pgbouncer = params['pgbouncer'] or {}
    bouncers = pgbouncer.get('replicas', 1) if pgbouncer.get('enabled') else 0
    last = {}

    def done(cluster):
        ready, last['reason'] = readiness(cluster or {}, params['instance_name'], total_instances(params), bouncers)
        return ready

    cluster, ready = wait_until(lambda: get_or_none(module, api, params['name'], params['namespace'], 'PostgresCluster'),
                                done, params['wait_timeout'])
    result.update(cluster=cluster, ready=ready)
    if not ready:
        module.fail_json(msg='PostgresCluster %s/%s was written, but the operator did not report it ready within %d s: '
                             '%s. Check the operator log and `kubectl -n %s get pods -l '
                             'postgres-operator.crunchydata.com/cluster=%s`, or raise wait_timeout.'
                             % (params['namespace'], params['name'], params['wait_timeout'], last.get('reason'),
                                params['namespace'], params['name']), **result)


def present(module, api, current):
    desired = build_spec(module.params)
    changed, patch, after = write(module, api, current, desired)
    before = owned_view(current.get('spec'), desired) if current else {}
    result = dict(changed=changed, patch=patch, cluster=after)
    if module._diff:
        result['diff'] = dict(before=before, after=prune_none(desired) if current is None else
                              owned_view(apply_patch(current.get('spec'), patch), desired))
    if module.params['wait'] and not module.check_mode:
        wait_ready(module, api, result)
    return result


def absent(module, api, current):
    params = module.params
    result = dict(changed=current is not None, patch={})
    if module._diff:
        result['diff'] = dict(before={'spec': current.get('spec')} if current else {}, after={})
    if current is None or module.check_mode:
        return result
    try:
        api.delete(name=params['name'], namespace=params['namespace'])
    except API_ERRORS as exc:
        module.fail_json(msg='Could not delete PostgresCluster %s/%s: %s'
                             % (params['namespace'], params['name'], api_error_message(exc)))
    if params['wait']:
        gone = wait_until(lambda: get_or_none(module, api, params['name'], params['namespace'], 'PostgresCluster'),
                          lambda cluster: cluster is None, params['wait_timeout'])[1]
        if not gone:
            module.fail_json(msg='PostgresCluster %s/%s is still there after %d s (the operator may be blocked by a '
                                 'finalizer); check the operator log.' % (params['namespace'], params['name'],
                                                                          params['wait_timeout']))
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    errors = validation_errors(params) if params['state'] == 'present' else name_errors(params)
    if errors:
        module.fail_json(msg='Invalid options, nothing was changed: ' + ' '.join(errors), errors=errors)
    require_k8s_libraries(module)
    client = connect(module)
    api = cluster_resource(module, client)
    current = get_or_none(module, api, params['name'], params['namespace'], 'PostgresCluster')
    if params['state'] == 'present':
        check_storage_classes(module, client)
        module.exit_json(**present(module, api, current))
    module.exit_json(**absent(module, api, current))


if __name__ == '__main__':
    main()
