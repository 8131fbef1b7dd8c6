"""The lab's private network: one bridge with one /24, a namespace and a veth per node.

Nodes get an address on the /24 and NO default route: they reach the host's
bridge address and each other, nothing else. This module never enables NAT or
IP forwarding.
"""

import ipaddress
import json
import os

from tools.lab.commands import run
from tools.lab.errors import LabError

NETNS_DIR = "/run/netns"


def check_subnet_free(lab):
    """Fail when an interface other than this lab's bridge has an address in the lab's /24."""
    for link in json.loads(run(["ip", "-json", "-4", "address", "show"]).stdout or "[]"):
        for info in link.get("addr_info", []):
            address = ipaddress.IPv4Address(info["local"])
            network = ipaddress.IPv4Network(f"{info['local']}/{info['prefixlen']}", strict=False)
            if link["ifname"] != lab.bridge and (address in lab.subnet or network.overlaps(lab.subnet)):
                raise LabError(f"subnet {lab.subnet} is already in use on this host ({link['ifname']} has {address}/{info['prefixlen']}): "
                               "choose another with --subnet A.B.C.0/24")


def create_bridge(lab):
    """The lab's bridge, with the host's address on it."""
    run(["ip", "link", "add", lab.bridge, "type", "bridge"])
    run(["ip", "address", "add", f"{lab.bridge_address}/{lab.subnet.prefixlen}", "dev", lab.bridge])
    run(["ip", "link", "set", lab.bridge, "up"])


def create_node_network(lab, node):
    """A namespace for ``node`` with eth0 on the bridge and loopback up; no default route."""
    run(["ip", "netns", "add", node.netns])
    run(["ip", "link", "add", node.host_veth, "type", "veth", "peer", "name", "eth0", "netns", node.netns])
    run(["ip", "link", "set", node.host_veth, "master", lab.bridge, "up"])
    inside = ["ip", "netns", "exec", node.netns, "ip"]
    run(inside + ["address", "add", f"{node.address}/{lab.subnet.prefixlen}", "dev", "eth0"])
    run(inside + ["link", "set", "eth0", "up"])
    run(inside + ["link", "set", "lo", "up"])


def netns_path(name):
    """Path systemd-nspawn joins for a namespace name."""
    return os.path.join(NETNS_DIR, name)


def lab_namespaces(lab):
    """Namespaces of this lab, found by name prefix."""
    names = run(["ip", "netns", "list"], check=False).stdout.split("\n")
    return sorted({line.split()[0] for line in names if line.startswith(lab.prefix)})


def lab_links(lab):
    """Host interfaces of this lab (bridge, veth ends), found by name prefix."""
    links = json.loads(run(["ip", "-json", "link", "show"], check=False).stdout or "[]")
    return sorted(link["ifname"] for link in links if link["ifname"].startswith(lab.prefix))


def remove_network(lab):
    """Delete the lab's namespaces and links; already-absent ones are fine."""
    for name in lab_namespaces(lab):
        run(["ip", "netns", "delete", name], check=False)
    for link in lab_links(lab):
        run(["ip", "link", "delete", link], check=False)  # deleting one veth end deletes its peer
    leftovers = lab_namespaces(lab) + lab_links(lab)
    if leftovers:
        raise LabError(f"could not remove {', '.join(leftovers)}; remove them with `ip netns delete` / `ip link delete`")
