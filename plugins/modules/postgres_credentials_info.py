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
  - Replaces the seed's C(kubectl get secret ... -o jsonpath="{.data.password}" | base64 --decode).
  - The password, and the URIs that embed it, are returned only with O(include_password=true). The task result is
    then hidden from the output (as with C(no_log)) by the module's action plugin, at every verbosity; the registered
    variable still holds it.
author:
  - baremetal.platform maintainers (@baremetal-platform)
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - baremetal.platform.postgres_cluster_ref
attributes:
  check_mode:
    support: full
    description: Only reads.
  diff_mode:
    support: none
    description: Changes nothing, so there is no diff.
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
    description: Wait for the operator to create the Secret (right after M(baremetal.platform.postgres_cluster)).
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
password:
  description: The password; only with O(include_password=true).
  returned: when include_password is true
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.baremetal.platform.plugins.module_utils.k8s_common import (
    connect, k8s_auth_argument_spec, require_k8s_libraries, resource,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_cluster_spec import name_errors
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_credentials import (
    credentials, decode, secret_name,
)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres_k8s import get_or_none, wait_until


def main():
    spec = k8s_auth_argument_spec()
    spec.update(
        cluster=dict(type='str', required=True),
        namespace=dict(type='str', required=True),
        user=dict(type='str'),
        include_password=dict(type='bool', default=False, no_log=False),  # a switch, not a secret
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=300),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    errors = name_errors(dict(name=params['cluster'], namespace=params['namespace']), name_option='cluster')
    if errors:
        module.fail_json(msg=' '.join(errors))
    user = params['user'] or params['cluster']
    name = secret_name(params['cluster'], user)

    require_k8s_libraries(module)
    secrets = resource(connect(module), 'v1', 'Secret')

    def fetch():
        return get_or_none(module, secrets, name, params['namespace'], 'Secret')

    timeout = params['wait_timeout'] if params['wait'] else 0
    secret, found = wait_until(fetch, lambda value: value is not None, timeout)
    if not found:
        waited = ' after waiting %d s' % timeout if params['wait'] else ''
        module.fail_json(msg='Secret %s/%s does not exist%s. The operator writes it once it has reconciled '
                             'PostgresCluster %s with user %r in spec.users; check the cluster exists '
                             '(baremetal.platform.postgres_cluster), the user name, and the operator log, or set '
                             'wait: true.' % (params['namespace'], name, waited, params['cluster'], user))
    facts = credentials(decode(secret.get('data')), params['include_password'])
    module.exit_json(changed=False, secret_name=name, **facts)


if __name__ == '__main__':
    main()
