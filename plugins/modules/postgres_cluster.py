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
  - O(postgres_version) is checked against the Postgres majors the installed operator has images for (PGO 5.8.9,
    6.0.0 and 6.0.3 ship 15 to 18), before any write. The operator is found by O(operator_deployment), else by
    O(operator_version), else by looking for the Deployment with the C(RELATED_IMAGE_POSTGRES_<major>) variables; a
    C(spec.image) set on the cluster skips the check (that image replaces the operator's).
  - Updates read the live object, apply only the fields the module owns and send the difference as a JSON merge
    patch, conditional on the object's C(resourceVersion) (retried after a conflict). Lists the API merges by name
    (C(spec.instances), C(spec.users), C(spec.backups.pgbackrest.repos)) and the C(spec.backups.pgbackrest.configuration)
    list are merged item by item - fields others set inside an item (for example C(resources) added to the instance set
    with C(kubectl patch)) and items others added (another repository, another user) are kept; a merge patch must send
    such a list whole, so the patch holds the whole merged list.
  - The list items and pgBackRest C(global) settings the module wrote are recorded in the annotation
    C(baremetal.platform/postgres-cluster-owned); an item the task no longer names is removed only when that record
    says the module wrote it. Objects written before this record existed start it on the next run (one change).
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
    description: Shows every spec field that changes, before and after (whole top-level fields, others' parts included).
options:
  name:
    description:
      - Cluster name (a DNS-1035 label).
      - "The operator creates these Services: C(<name>-ha) (the primary, of type O(service_type); its endpoints follow
        the Patroni leader), C(<name>-primary) (always headless: the in-cluster name C(<name>-primary.<namespace>.svc)
        in the user Secrets, resolving to C(<name>-ha)), C(<name>-replicas) (the replicas, of type O(service_type)),
        C(<name>-pods) and C(<name>-ha-config) (headless), and C(<name>-pgbouncer) when pgBouncer is on (of type
        O(pgbouncer.service_type))."
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
    description:
      - Type of the primary Service C(<name>-ha) (C(spec.service.type)) and of the replica Service C(<name>-replicas)
        (C(spec.replicaService.type)), like pgo v4's C(--service-type). C(<name>-primary) stays headless whatever
        the type; with C(LoadBalancer) the external address is on C(<name>-ha).
      - Also the default of O(pgbouncer.service_type).
      - The external addresses, once the load balancer assigned them, are returned by
        M(baremetal.platform.postgres_credentials_info).
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
        description: Type of the C(<name>-pgbouncer) Service (C(spec.proxy.pgBouncer.service.type)); defaults to O(service_type).
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
      - Merged by name into C(spec.users) - users declared by others stay. A user an earlier run of the module wrote
        and the task no longer lists is removed (the operator then deletes its Secret, but not the role).
      - Omitted means the module leaves C(spec.users) as it is (without any users there the operator creates its
        default, a user and database named after the cluster), unless O(purge_users=true).
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
  purge_users:
    description:
      - Own the whole C(spec.users) list - users it does not list are removed, also users declared by others (the
        operator deletes their Secrets). With O(users) omitted or empty, C(spec.users) is removed and the operator
        falls back to its default user.
    type: bool
    default: false
  operator_version:
    description:
      - Version of the installed Crunchy PGO (for example C(6.0.3), as the role C(baremetal.platform.postgres_operator)
        installs it); O(postgres_version) is checked against the Postgres majors that release ships images for.
      - A release the module does not know is ignored with a warning, and the operator Deployment is read instead.
    type: str
  operator_deployment:
    description:
      - The operator Deployment to read the supported Postgres majors from (its C(RELATED_IMAGE_POSTGRES_<major>)
        variables), for an operator installed elsewhere; takes precedence over O(operator_version).
      - Omitted (with O(operator_version) omitted too) means the module looks for that Deployment itself, and warns
        when it finds none or may not list Deployments.
    type: dict
    suboptions:
      name:
        description: Deployment name (C(pgo) for the upstream manifests).
        type: str
        required: true
      namespace:
        description: Its namespace (C(postgres-operator) for the upstream manifests).
        type: str
        required: true
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
      - On timeout the module fails and says what is still missing, quoting the cluster's recent Warning events (such
        as C(MissingRequiredImage)) and the readiness of the StatefulSets the operator made for the instance set.
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
    operator_version: "6.0.3"  # postgres_version must be one of its images: 15 to 18
    kubeconfig: "{{ platform_kubeconfig }}"

- name: A development cluster on an operator installed elsewhere; it owns the whole users list
  baremetal.platform.postgres_cluster:
    name: scratch
    namespace: dev
    replicas: 1
    users:
      - name: app
        databases: [app]
    purge_users: true  # users declared by others in spec.users are removed
    operator_deployment:
      name: pgo
      namespace: postgres-operator
  register: scratch

- name: Every field the run changed (others' fields inside the lists stay)
  ansible.builtin.debug:
    msg: "{{ scratch.changes | map(attribute='field') | list }}"

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
  description:
    - The JSON merge patch of C(spec) that was (or in check mode would be) sent; empty when no spec field changes
      (the owned-items annotation may still change, see RV(changes)) or the object was created.
    - A list that changes is sent whole, with the fields and items others set in it.
  returned: always
  type: dict
  sample: {instances: [{name: instance1, replicas: 4, resources: {limits: {cpu: "2"}}, dataVolumeClaimSpec: {}}]}
changes:
  description: Every field that changes, list items named by their key; the owned-items annotation included.
  returned: state=present
  type: list
  elements: dict
  contains:
    field:
      description: The field, for example C(spec.instances[instance1].replicas).
      type: str
    before:
      description: Its value before (null when absent).
      type: raw
    after:
      description: Its value after (null when removed).
      type: raw
  sample: [{field: "spec.instances[instance1].replicas", before: 3, after: 4}]
supported_postgres_versions:
  description: The Postgres majors the installed operator has images for (when the module could tell).
  returned: state=present and the operator was found
  type: list
  elements: int
  sample: [15, 16, 17, 18]
ready:
  description: Whether the operator reported every pod ready (only known with O(wait=true)).
  returned: when wait is true and state is present
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import (
    API_ERRORS, api_error_message, connect, k8s_auth_argument_spec, require_k8s_libraries, resource,
)
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.merge_patch import CONTENT_TYPE as MERGE_PATCH, diff_patch
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.objects import get_or_none, plain, wait_until
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.api import (
    cluster_resource, explain_instances, explain_with_events, operator_deployments,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.cluster_merge import changed_fields, merge_owned
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.operator_versions import (
    SUPPORTED, majors_from_deployment, normalize_version, version_error,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.spec import (
    OWNED_ANNOTATION, SERVICE_TYPES, build_object, name_errors, owned_annotation, plan, storage_classes,
    total_instances, validation_errors,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.status import readiness


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
        service_type=dict(type='str', choices=list(SERVICE_TYPES), default='ClusterIP'),
        pgbouncer=dict(type='dict', default={}, options=dict(
            enabled=dict(type='bool', default=False),
            replicas=dict(type='int', default=1),
            service_type=dict(type='str', choices=list(SERVICE_TYPES)),
        )),
        storage_size=dict(type='str', default='10Gi'),
        storage_class=dict(type='str'),
        anti_affinity=dict(type='str', choices=['preferred', 'required'], default='preferred'),
        users=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            databases=dict(type='list', elements='str', default=[]),
            options=dict(type='str'),
        )),
        purge_users=dict(type='bool', default=False),
        operator_version=dict(type='str'),
        operator_deployment=dict(type='dict', options=dict(
            name=dict(type='str', required=True),
            namespace=dict(type='str', required=True),
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


def operator_postgres_majors(module, client):
    """(majors, source) the installed operator can run, or (None, None) when it cannot be told (with a warning)."""
    params = module.params
    named = params['operator_deployment']
    if named:
        found = operator_deployments(module, client, named['namespace'], named['name'])
        if not found:
            module.fail_json(msg='operator_deployment %s/%s does not exist; name the Deployment of the Crunchy '
                                 'postgres-operator (kubectl get deployments -A | grep pgo).'
                                 % (named['namespace'], named['name']))
        majors = majors_from_deployment(found[0])
        if not majors:
            module.fail_json(msg='Deployment %s/%s has no RELATED_IMAGE_POSTGRES_<major> variable, so it is not the '
                                 'Crunchy postgres-operator; name the operator Deployment in operator_deployment.'
                                 % (named['namespace'], named['name']))
        return majors, 'the Crunchy PGO Deployment %s/%s' % (named['namespace'], named['name'])
    version = normalize_version(params['operator_version'])
    if version in SUPPORTED:
        return SUPPORTED[version], 'Crunchy PGO %s' % version
    if version:
        module.warn('operator_version %s is not in the table of known Crunchy PGO releases (%s); reading the '
                    'operator Deployment instead.' % (version, ', '.join(sorted(SUPPORTED))))
    found = operator_deployments(module, client)
    if found is None:
        module.warn('Could not list Deployments to find the Crunchy postgres-operator; postgres_version was checked '
                    'against the CRD only. Set operator_version or operator_deployment.')
        return None, None
    if not found:
        module.warn('No Deployment with RELATED_IMAGE_POSTGRES_* variables (the Crunchy postgres-operator) was '
                    'found; postgres_version was checked against the CRD only. Set operator_version or '
                    'operator_deployment.')
        return None, None
    majors = sorted(set(major for deployment in found for major in majors_from_deployment(deployment)))
    names = ', '.join('%s/%s' % (item['metadata'].get('namespace'), item['metadata']['name']) for item in found)
    return tuple(majors), 'the Crunchy PGO Deployment %s' % names


def check_operator_images(module, client, current):
    """Fail before any write when the installed operator has no image for postgres_version."""
    if ((current or {}).get('spec') or {}).get('image'):
        return None  # spec.image (set by someone) replaces the operator's image for the Postgres major
    majors, source = operator_postgres_majors(module, client)
    if majors is None:
        return None
    error = version_error(module.params['postgres_version'], majors, source)
    if error:
        module.fail_json(msg=error, supported_postgres_versions=list(majors))
    return list(majors)


def _is_conflict(exc):
    return getattr(exc, 'status', None) == 409


def create(module, api, desired, owned):
    params = module.params
    body = build_object(params, merge_owned({}, desired))
    body['metadata']['annotations'] = {OWNED_ANNOTATION: owned_annotation(owned)}
    result = dict(changed=True, patch={}, changes=changed_fields({}, body['spec']), cluster=body)
    if module._diff:
        result['diff'] = dict(before={}, after={'metadata': {'annotations': body['metadata']['annotations']},
                                                'spec': body['spec']})
    if module.check_mode:
        return result
    try:
        result['cluster'] = plain(api.create(body=body, namespace=params['namespace']))
    except API_ERRORS as exc:
        module.fail_json(msg='The API server refused the new PostgresCluster %s/%s: %s'
                             % (params['namespace'], params['name'], api_error_message(exc)))
    return result


def update(module, api, current, desired, removals, owned):
    """Merge the owned fields into the live spec (others' fields and list items kept) and send the difference.

    Returns the result, or None when the object changed on the server in between (409): read it and plan again.
    """
    params = module.params
    spec = current.get('spec') or {}
    after = merge_owned(spec, desired, removals)
    patch = diff_patch(spec, after)
    record = owned_annotation(owned)
    old_record = ((current.get('metadata') or {}).get('annotations') or {}).get(OWNED_ANNOTATION)
    changes = changed_fields(spec, after)
    if record != old_record:
        changes.append({'field': 'metadata.annotations[%s]' % OWNED_ANNOTATION, 'before': old_record, 'after': record})
    result = dict(changed=bool(changes), patch=patch, changes=changes, cluster=current)
    if module._diff:
        keys = sorted(patch)
        result['diff'] = dict(before={'spec': dict((key, spec[key]) for key in keys if key in spec)},
                              after={'spec': dict((key, after[key]) for key in keys if key in after)})
        if record != old_record:
            result['diff']['before']['metadata'] = {'annotations': {OWNED_ANNOTATION: old_record}}
            result['diff']['after']['metadata'] = {'annotations': {OWNED_ANNOTATION: record}}
    if not changes or module.check_mode:
        return result
    # resourceVersion makes the patch conditional: lists are sent whole, so a change by somebody else between the
    # read and this write must not be overwritten.
    body = {'metadata': {'resourceVersion': current['metadata']['resourceVersion'],
                         'annotations': {OWNED_ANNOTATION: record}}}
    if patch:
        body['spec'] = patch
    try:
        result['cluster'] = plain(api.patch(body=body, name=params['name'], namespace=params['namespace'],
                                            content_type=MERGE_PATCH))
    except API_ERRORS as exc:
        if _is_conflict(exc):
            return None
        module.fail_json(msg='The API server refused the change to PostgresCluster %s/%s: %s'
                             % (params['namespace'], params['name'], api_error_message(exc)), patch=patch)
    return result


def wait_ready(module, client, api, result):
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
                             '%s.%s%s Check the operator log and `kubectl -n %s get pods -l '
                             'postgres-operator.crunchydata.com/cluster=%s`, or raise wait_timeout.'
                             % (params['namespace'], params['name'], params['wait_timeout'], last.get('reason'),
                                explain_with_events(client, params['namespace'], params['name']),
                                explain_instances(client, params['namespace'], params['name'], params['instance_name']),
                                params['namespace'], params['name']), **result)


def present(module, client, api, current):
    params = module.params
    supported = check_operator_images(module, client, current)
    for _attempt in range(5):
        desired, removals, owned = plan(params, current)
        if current is None:
            result = create(module, api, desired, owned)
        else:
            result = update(module, api, current, desired, removals, owned)
        if result is not None:
            break
        current = get_or_none(module, api, params['name'], params['namespace'], 'PostgresCluster')
    else:
        module.fail_json(msg='PostgresCluster %s/%s kept changing on the server while the module wrote it (5 '
                             'conflicts); run the task again.' % (params['namespace'], params['name']))
    if supported is not None:
        result['supported_postgres_versions'] = supported
    if params['wait'] and not module.check_mode:
        wait_ready(module, client, api, result)
    return result


def absent(module, client, api, current):
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
                                 'finalizer); check the operator log.%s'
                                 % (params['namespace'], params['name'], params['wait_timeout'],
                                    explain_with_events(client, params['namespace'], params['name'])))
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
        module.exit_json(**present(module, client, api, current))
    module.exit_json(**absent(module, client, api, current))


if __name__ == '__main__':
    main()
