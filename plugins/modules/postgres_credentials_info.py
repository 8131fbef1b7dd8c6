#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: postgres_credentials_info
short_description: Read a Postgres user's connection details from the Crunchy PGO user Secret
version_added: 0.1.0
description:
  - Reads the Secret C(<cluster>-pguser-<user>) that Crunchy PGO v5/v6 writes for every user of a C(PostgresCluster)
    and returns host, port, user, database, URI and the pgBouncer host and URI.
  - The Secret's C(host) (C(<cluster>-primary.<namespace>.svc)) only resolves inside the Kubernetes cluster. The module
    also reads the Services the operator creates - C(<cluster>-ha) (the primary; C(<cluster>-primary) is always
    headless), C(<cluster>-replicas) and C(<cluster>-pgbouncer) - and returns their types and load balancer addresses
    (IP or hostname, once assigned) in RV(external), and the first address of each as RV(external_host),
    RV(external_uri), RV(external_pgbouncer_host) and RV(external_pgbouncer_uri).
  - Replaces the seed's C(kubectl get secret ... -o jsonpath="{.data.password}" | base64 --decode).
  - The password, and the URIs that embed it, are returned only with O(include_password=true). The task result is
    then hidden from the output (as with C(no_log)) by the module's action plugin, at every verbosity; the registered
    variable still holds it.
author:
  - baremetal.platform maintainers (@baremetal-platform)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - baremetal.platform.postgres_cluster_ref
  - baremetal.platform.info_module_attributes
options:
  user:
    description: Postgres user; defaults to the operator's default user, named after the cluster.
    type: str
  include_password:
    description:
      - Also return C(password), and C(uri)/C(pgbouncer_uri) with the password in them.
      - The whole task result is then censored in the output; use the registered variable.
    type: bool
    default: false
  wait:
    description:
      - Wait for the operator to create the Secret (right after M(baremetal.platform.postgres_cluster)).
      - On timeout the message quotes the cluster's recent Warning events (such as C(MissingRequiredImage)).
      - Load balancer addresses are not waited for; they are empty until assigned.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the Secret.
    type: int
    default: 300
seealso:
  - module: baremetal.platform.postgres_cluster
requirements:
  - kubernetes >= 24.2.0 (Python)
  - kubernetes.core collection
'''

EXAMPLES = r'''
- name: Connection details without the password (safe to print)
  baremetal.platform.postgres_credentials_info:
    cluster: marketplace
    namespace: marketplace
    user: shop
    wait: true
  register: shop_db

- name: With the password, for an application Secret (the result is censored in the output)
  baremetal.platform.postgres_credentials_info:
    cluster: marketplace
    namespace: marketplace
    user: shop
    include_password: true
  register: shop_db_secret

- name: Where clients outside the cluster connect (LoadBalancer addresses, once assigned)
  ansible.builtin.debug:
    msg: "{{ shop_db.external_uri | default('no external address yet', true) }}"
'''

RETURN = r'''
secret_name:
  description: The Secret the details came from.
  returned: success
  type: str
  sample: marketplace-pguser-shop
user:
  description: Postgres user.
  returned: success
  type: str
  sample: shop
dbname:
  description: Database of the user (the first of its databases).
  returned: success
  type: str
  sample: shop
host:
  description: Primary Service host name inside the cluster.
  returned: success
  type: str
  sample: marketplace-primary.marketplace.svc
port:
  description: Primary Service port.
  returned: success
  type: int
  sample: 5432
uri:
  description: Connection URI; without the password unless O(include_password=true).
  returned: success
  type: str
  sample: postgresql://shop@marketplace-primary.marketplace.svc:5432/shop
pgbouncer_host:
  description: pgBouncer Service host name (null when pgBouncer is off).
  returned: success
  type: str
  sample: marketplace-pgbouncer.marketplace.svc
pgbouncer_port:
  description: pgBouncer Service port (null when pgBouncer is off).
  returned: success
  type: int
  sample: 5432
pgbouncer_uri:
  description: URI through pgBouncer; without the password unless O(include_password=true).
  returned: success
  type: str
external:
  description:
    - The Services clients outside the Kubernetes cluster connect to, by role (null when the Service does not exist,
      or when Services cannot be read - then with a warning).
    - C(addresses) is empty until the load balancer assigned one (and for C(ClusterIP) and C(NodePort) Services; a
      C(NodePort) Service is reached on any node's address at C(node_port)).
  returned: success
  type: dict
  contains:
    primary:
      description: C(<cluster>-ha), type C(spec.service.type).
      type: dict
      sample: {service: marketplace-ha, type: LoadBalancer, addresses: [203.0.113.10], port: 5432, node_port: 31234}
    replicas:
      description: C(<cluster>-replicas), type C(spec.replicaService.type).
      type: dict
    pgbouncer:
      description: C(<cluster>-pgbouncer), type C(spec.proxy.pgBouncer.service.type).
      type: dict
external_host:
  description: First load balancer address of the primary Service C(<cluster>-ha) (null until assigned).
  returned: success
  type: str
  sample: 203.0.113.10
external_port:
  description: Port of the primary Service (null without an external address).
  returned: success
  type: int
  sample: 5432
external_uri:
  description: RV(uri) with the primary's external address; without the password unless O(include_password=true).
  returned: success
  type: str
  sample: postgresql://shop@203.0.113.10:5432/shop
external_replicas_host:
  description: First load balancer address of C(<cluster>-replicas) (read-only queries; null until assigned).
  returned: success
  type: str
external_pgbouncer_host:
  description: First load balancer address of C(<cluster>-pgbouncer) (null until assigned or when pgBouncer is off).
  returned: success
  type: str
external_pgbouncer_port:
  description: Port of the pgBouncer Service (null without an external address).
  returned: success
  type: int
external_pgbouncer_uri:
  description: RV(pgbouncer_uri) with pgBouncer's external address; without the password unless O(include_password=true).
  returned: success
  type: str
password:
  description: The password; only with O(include_password=true).
  returned: when include_password is true
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import API_ERRORS, api_error_message, connect, require_k8s_libraries, resource
from ansible_collections.baremetal.platform.plugins.module_utils.k8s.objects import NotFoundError, get_or_none, plain, wait_until
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.api import explain_with_events
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.args_common import cluster_ref_argument_spec, cluster_ref_errors
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.credentials import (
    EXTERNAL_SERVICES, credentials, decode, external_facts, secret_name, service_endpoint,
)


def external_endpoints(module, client, cluster, namespace):
    """role -> service_endpoint() of the operator's Services (None for a Service that does not exist or cannot be read).

    Reading Services is extra to reading the Secret: without the permission the module warns and goes on.
    """
    endpoints = {}
    try:
        services = resource(client, 'v1', 'Service')
        for role, pattern, port in EXTERNAL_SERVICES:
            try:
                endpoints[role] = service_endpoint(plain(services.get(name=pattern % cluster, namespace=namespace)), port)
            except NotFoundError:
                endpoints[role] = None
    except API_ERRORS as exc:
        module.warn('Could not read the Services of PostgresCluster %s/%s, so no external addresses are returned: %s'
                    % (namespace, cluster, api_error_message(exc)))
        return dict((role, None) for role, _pattern, _port in EXTERNAL_SERVICES)
    return endpoints


def main():
    spec = cluster_ref_argument_spec(
        user=dict(type='str'),
        include_password=dict(type='bool', default=False, no_log=False),  # a switch, not a secret
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=300),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    errors = cluster_ref_errors(params)
    if errors:
        module.fail_json(msg=' '.join(errors))
    user = params['user'] or params['cluster']
    name = secret_name(params['cluster'], user)

    require_k8s_libraries(module)
    client = connect(module)
    secrets = resource(client, 'v1', 'Secret')

    def fetch():
        return get_or_none(module, secrets, name, params['namespace'], 'Secret')

    timeout = params['wait_timeout'] if params['wait'] else 0
    secret, found = wait_until(fetch, lambda value: value is not None, timeout)
    if not found:
        waited = ' after waiting %d s' % timeout if params['wait'] else ''
        module.fail_json(msg='Secret %s/%s does not exist%s. The operator writes it once it has reconciled '
                             'PostgresCluster %s with user %r in spec.users; check the cluster exists '
                             '(baremetal.platform.postgres_cluster), the user name, and the operator log, or set '
                             'wait: true.%s' % (params['namespace'], name, waited, params['cluster'], user,
                                                explain_with_events(client, params['namespace'], params['cluster'])))
    facts = credentials(decode(secret.get('data')), params['include_password'])
    endpoints = external_endpoints(module, client, params['cluster'], params['namespace'])
    facts.update(external_facts(endpoints, facts))
    module.exit_json(changed=False, secret_name=name, external=endpoints, **facts)


if __name__ == '__main__':
    main()
