"""The Ansible inventory ``lab up`` writes, shaped like inventories/prod/hosts.yml.

The first node is controlplane + etcd + worker, the others are workers.
Written as plain YAML text (JSON-quoted scalars are valid YAML), so the lab
needs nothing beyond the Python standard library.
"""

import json
import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

HEADER = """\
---
# Written by `./lab up` for lab {name!r}; `./lab down --name {name}` makes it stale.
# Nodes are systemd-nspawn containers on {subnet}: they reach only the host
# ({bridge}) and get Debian packages through apt-cacher-ng at {proxy}.
"""


def _q(value):
    return json.dumps(value)


def render(lab, nodes, public_key):
    """Inventory text for ``nodes`` of ``lab``."""
    first = nodes[0].name
    lines = [HEADER.format(name=lab.name, subnet=lab.subnet, bridge=lab.bridge_address, proxy=lab.apt_proxy_url).rstrip("\n")]
    lines += ["all:", "  vars:",
              f"    lab_name: {_q(lab.name)}",
              f"    lab_subnet: {_q(str(lab.subnet))}",
              f"    lab_bridge_address: {_q(lab.bridge_address)}",
              f"    lab_apt_proxy: {_q(lab.apt_proxy_url)}",
              "    # Public half of the lab key (root logs in with it); e.g. for node_admin_authorized_keys.",
              f"    lab_ssh_public_key: {_q(public_key)}",
              "    # The checkout that wrote this inventory (the lab's group_vars find the fixture charts there).",
              f"    lab_repository: {_q(str(REPOSITORY))}",
              "  children:",
              "    k8s_cluster:",
              "      vars:",
              "        # Nodes are containers sharing the host's kernel: modules cannot be loaded.",
              "        node_allow_container_kernel: true",
              "      children:"]
    for group, members in (("k8s_controlplane", [first]), ("k8s_etcd", [first]), ("k8s_worker", [node.name for node in nodes])):
        lines += [f"        {group}:", "          hosts:"] + [f"            {member}:" for member in members]
    lines += ["  hosts:",
              "    # The controller: later phases run here against the Kubernetes API.",
              "    localhost:",
              "      ansible_connection: local",
              "      ansible_python_interpreter: \"{{ ansible_playbook_python }}\""]
    for node in nodes:
        lines += [f"    {node.name}:",
                  f"      ansible_host: {_q(node.address)}",
                  "      ansible_user: root",
                  f"      ansible_ssh_private_key_file: {_q(str(lab.ssh_key))}",
                  "      ansible_ssh_common_args: \"-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null\""]
    return "\n".join(lines) + "\n"


def write(path, lab, nodes, public_key):
    """Write the inventory atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(render(lab, nodes, public_key), encoding="utf-8")
    os.replace(temporary, path)
