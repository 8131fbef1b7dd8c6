# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options that name an existing PostgresCluster, shared by the modules that act on one."""

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
