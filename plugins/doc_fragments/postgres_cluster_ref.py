# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options that name an existing PostgresCluster, shared by the modules that act on one.

The modules take these options from one argument spec beside this fragment,
``plugins/module_utils/postgres/args_common.py`` (``CLUSTER_REF_ARG_SPEC``); a unit test holds the two together.
"""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """The cluster and namespace options."""

    DOCUMENTATION = r"""
options:
  cluster:
    description: Name of the PostgresCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the cluster.
    type: str
    required: true
"""
