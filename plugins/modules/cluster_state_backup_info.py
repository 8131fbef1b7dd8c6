#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_state_backup_info
short_description: List the cluster-state backups written by cluster_state_backup
version_added: "0.1.0"
description:
  - Lists the backups C(<cluster_name>-YYYYmmddTHHMMSSZ.tar.gz.vault) in a local directory, oldest first, with their
    dates, sizes, the sha256 their sidecar records and whether the archive still matches it.
  - Reads only; needs no passphrase. M(baremetal.platform.cluster_state_backup) writes and restores the backups.
author:
  - baremetal.platform maintainers (@baremetal-platform)
options:
  dest:
    description:
      - Local directory of the backups. A missing directory has no backups.
    type: path
    required: true
  cluster_name:
    description:
      - First part of the backup names; backups of other names are not listed.
    type: str
    default: cluster
  verify:
    description:
      - Hash every archive and compare it with its sidecar (sets C(valid)). Turn off to list large backups quickly.
    type: bool
    default: true
extends_documentation_fragment:
  - baremetal.platform.info_module_attributes
"""

EXAMPLES = r"""
- name: List the RKE state backups
  baremetal.platform.cluster_state_backup_info:
    dest: "{{ rke1_backup_dest }}"
    cluster_name: prod
  delegate_to: localhost
  register: state_backups

- name: Show the newest valid backup
  ansible.builtin.debug:
    msg: "{{ state_backups.newest }}"
"""

RETURN = r"""
backups:
  description: The backups of I(cluster_name) in I(dest), oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: File name.
      type: str
    path:
      description: Full path.
      type: str
    date:
      description: When it was taken (UTC, ISO 8601).
      type: str
    size:
      description: Size of the encrypted archive in bytes.
      type: int
    sha256:
      description: sha256 recorded in the sidecar, null when the sidecar is missing.
      type: str
    valid:
      description: Whether the archive still matches its recorded sha256 (only with I(verify=true)).
      type: bool
newest:
  description: Path of the newest valid backup (newest listed when I(verify=false)), null when there is none.
  returned: always
  type: str
  sample: /srv/backups/prod-20261123T231500Z.tar.gz.vault
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.baremetal.platform.plugins.module_utils.state_backup import catalog


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            cluster_name=dict(type="str", default="cluster"),
            verify=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if not catalog.CLUSTER_NAME.match(module.params["cluster_name"]):
        module.fail_json(msg="cluster_name %r is not usable in a file name; use letters, digits, '.', '_' and '-'" % module.params["cluster_name"])
    try:
        backups = catalog.list_backups(module.params["dest"], module.params["cluster_name"], verify=module.params["verify"])
    except (IOError, OSError) as exc:
        module.fail_json(msg="Cannot read %s: %s. Check the path and its permissions" % (module.params["dest"], exc))
    usable = [entry for entry in backups if entry.get("valid", True)]
    module.exit_json(changed=False, backups=backups, newest=usable[-1]["path"] if usable else None)


if __name__ == "__main__":
    main()
