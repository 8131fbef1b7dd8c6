# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options documented by doc_fragments/postgres_cluster_ref.py, as one argument spec.

kubernetes.core pairs its ``args_common.AUTH_ARG_SPEC`` with the ``k8s_auth_options`` fragment the same way: the
fragment says what the options mean, this constant is what the modules accept, and a unit test holds the two
together (tests/unit/plugins/module_utils/test_postgres_args_common.py).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import k8s_auth_argument_spec
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.spec import name_errors

CLUSTER_REF_ARG_SPEC = dict(
    cluster=dict(type='str', required=True),
    namespace=dict(type='str', required=True),
)


def cluster_ref_argument_spec(**options):
    """kubernetes.core's auth options, the cluster reference, then the module's own ``options``."""
    spec = k8s_auth_argument_spec()
    spec.update(copy.deepcopy(CLUSTER_REF_ARG_SPEC))
    spec.update(options)
    return spec


def cluster_ref_errors(params):
    """What is wrong with the cluster and namespace options (DNS names), as messages naming the option."""
    return name_errors(dict(name=params['cluster'], namespace=params['namespace']), name_option='cluster')
