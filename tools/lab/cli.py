"""``./lab``: real systemd test hosts (systemd-nspawn) for the collection.

    ./lab up [--nodes N] [--name NAME] [--subnet A.B.C.0/24] [--inventory PATH]
    ./lab status [--name NAME]
    ./lab ssh NODE [COMMAND ...] [--name NAME]
    ./lab down [--name NAME]
    ./lab k8s ...            (the control-plane lab, tools/lab/k8s)
"""

import argparse
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from tools.lab import lifecycle, names, preflight
from tools.lab.errors import LabError
from tools.lab.ssh import ssh_argv
from tools.lab.state import (DEFAULT_SUBNET, MAX_NODES, MIN_NODES, Lab, lab_for_name, parse_subnet,
                             read_state, validate_name, validate_node_count)

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_INVENTORY = REPOSITORY / "inventories" / "lab" / "hosts.yml"
K8S_MODULE = "tools.lab.k8s.cli"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one LabError line."""

    def error(self, message):
        raise LabError(f"{message}; see ./{self.prog} --help")


def build_parser():
    """The ./lab argument parser."""
    parser = _Parser(prog="lab", description="Real systemd test hosts (systemd-nspawn) for baremetal.platform.",
                     epilog=f"Naming: every command takes --name; ${names.VARIABLE} sets the default for ./lab, ./lab k8s and the "
                            f"pytest fixtures at once. {names.HELP}.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_name(sub):
        sub.add_argument("--name", default=names.default(), help=names.HELP)
        return sub

    up = with_name(commands.add_parser("up", help="build (once) and boot N nodes; write an Ansible inventory"))
    up.add_argument("--nodes", type=int, default=3, help=f"number of nodes, {MIN_NODES}..{MAX_NODES} (default: 3)")
    up.add_argument("--subnet", default=DEFAULT_SUBNET, help=f"the lab's private /24 (default: {DEFAULT_SUBNET})")
    up.add_argument("--inventory", type=Path, default=None, help=f"inventory to write (default: {DEFAULT_INVENTORY})")
    up.add_argument("--reuse", action="store_true",
                    help="keep a lab that is already up with this subnet and node count, all nodes running (else rebuild it)")
    with_name(commands.add_parser("down", help="remove every process, mount, link and namespace of the lab"))
    with_name(commands.add_parser("status", help="show nodes, addresses and their state"))
    node_ssh = with_name(commands.add_parser("ssh", help="ssh to a node as root (or run a command there)"))
    node_ssh.add_argument("node", help="node name (node1) or number (1)")
    node_ssh.add_argument("remote_command", nargs=argparse.REMAINDER, help="command to run instead of a shell")
    commands.add_parser("k8s", help="the control-plane lab (./lab k8s --help)", add_help=False)
    return parser


def _up(arguments):
    lab = Lab(name=validate_name(arguments.name), subnet=parse_subnet(arguments.subnet))
    validate_node_count(arguments.nodes)
    inventory_path = (arguments.inventory or DEFAULT_INVENTORY).resolve()
    preflight.require_root()
    preflight.require_programs()
    preflight.raise_inotify_limits()
    result, timings = lifecycle.up(lab, arguments.nodes, inventory_path, reuse=arguments.reuse)
    if timings.get("reused"):
        print(f"lab {lab.name}: reused, {len(result['nodes'])} node(s) running on {lab.subnet}; inventory {inventory_path}")
        return 0
    print(f"lab {lab.name}: {len(result['nodes'])} node(s) up on {lab.subnet} in {timings['total']:.1f}s "
          f"(rootfs {timings['rootfs']:.1f}s, start {timings['start']:.1f}s, boot {timings['boot']:.1f}s)")
    for node in result["nodes"]:
        print(f"  {node.name:8} {node.address:15} ready after {result['ready'][node.name]:.1f}s")
    print(f"  apt proxy {lab.apt_proxy_url}; inventory {inventory_path}")
    print(f"  ./lab ssh node1 --name {lab.name}    ./lab down --name {lab.name}")
    return 0


def _down(arguments):
    preflight.require_root()
    lab = lab_for_name(arguments.name)
    result = lifecycle.down(lab)
    inventory_path = result["inventory"]
    if inventory_path and os.path.isfile(inventory_path):
        os.unlink(inventory_path)  # it points at nodes that no longer exist
    print(f"lab {lab.name}: down in {result['seconds']:.1f}s ({result['processes']} process(es) stopped)")
    return 0


def _status(arguments):
    preflight.require_root()
    lab = lab_for_name(arguments.name)
    recorded, rows = lifecycle.status(lab)
    if not recorded:
        print(f"lab {lab.name}: not up (./lab up --name {lab.name} creates it)")
        return 1
    print(f"lab {lab.name}: subnet {recorded['subnet']}, host {lab.bridge_address}, apt proxy {lab.apt_proxy_url}")
    for name, address, state in rows:
        print(f"  {name:8} {address:15} {state}")
    return 0 if all(state in ("running", "degraded") for _name, _address, state in rows) else 1


def _resolve_node(lab, text):
    recorded = {entry["name"] for entry in read_state(lab.state_dir).get("nodes", [])}
    if not recorded:
        raise LabError(f"lab {lab.name!r} is not up: run ./lab up --name {lab.name} first")
    name = f"node{text}" if text.isdigit() else text
    if name not in recorded:
        raise LabError(f"unknown node {text!r} in lab {lab.name!r}: choose one of {', '.join(sorted(recorded))}")
    return lab.node(int(name.removeprefix("node")))


def _ssh(arguments):
    preflight.require_root()
    lab = lab_for_name(arguments.name)
    node = _resolve_node(lab, arguments.node)
    argv = ssh_argv(lab, node, arguments.remote_command, interactive=not arguments.remote_command and sys.stdin.isatty())
    os.execvp(argv[0], argv)
    return 0  # not reached


def _k8s(argv):
    if importlib.util.find_spec("tools.lab.k8s") is None or importlib.util.find_spec(K8S_MODULE) is None:
        raise LabError("`lab k8s` is not available in this checkout (tools/lab/k8s/cli.py is missing)")
    return importlib.import_module(K8S_MODULE).main(argv)


HANDLERS = {"up": _up, "down": _down, "status": _status, "ssh": _ssh}


def main(argv=None):
    """Entry point: one clear line and a non-zero exit on any LabError."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "k8s":
            return _k8s(argv[1:]) or 0
        arguments = build_parser().parse_args(argv)
        return HANDLERS[arguments.command](arguments)
    except LabError as error:
        print(f"lab: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
