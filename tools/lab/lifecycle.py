"""``up``, ``down`` and ``status`` of one lab, built from the single-concern modules."""

import shutil
import time

from tools.lab import aptproxy, inventory, network, nodes, procs, rootfs, ssh
from tools.lab.errors import LabError
from tools.lab.mounts import unmount_under
from tools.lab.state import locked, read_state, write_state

BOOT_TIMEOUT = 300
SHUTDOWN_TIMEOUT = 30


def _is_present(lab):
    """True when any kernel object or process of the lab exists."""
    netns = [network.netns_path(name) for name in network.lab_namespaces(lab)]
    return bool(network.lab_links(lab) or netns or procs.lab_pids(lab.state_dir, netns))


def up(lab, count, inventory_path, log=print, reuse=False):
    """Create the lab with ``count`` nodes; on any failure remove everything made so far.

    With ``reuse`` a lab that is already up with the same subnet and node count, every node running, is kept
    (its inventory is written again); one that is up but broken or different is taken down and made anew.
    """
    with locked(lab):
        if _is_present(lab):
            if not reuse:
                raise LabError(f"lab {lab.name!r} is already up: use it (./lab up --reuse), or run ./lab down --name {lab.name} first")
            kept = _reusable(lab, count, inventory_path, log)
            if kept:
                return kept, {"total": 0.0, "reused": True}
        network.check_subnet_free(lab)
        started = time.monotonic()
        tree = rootfs.ensure_rootfs(log)
        timings = {"rootfs": time.monotonic() - started}
        try:
            result = _create(lab, count, tree, inventory_path, timings)
        except BaseException:
            log(f"lab up failed: removing what was made for lab {lab.name!r}")
            _teardown(lab)
            raise
    timings["total"] = time.monotonic() - started
    return result, timings


def _reusable(lab, count, inventory_path, log):
    """The running lab as ``up`` returns it when it can be kept as it is; else take it down and return None."""
    recorded, rows = status(lab)
    problem = None
    if recorded.get("subnet") != str(lab.subnet):
        problem = f"it runs on {recorded.get('subnet')}, not {lab.subnet}"
    elif len(rows) != count:
        problem = f"it has {len(rows)} node(s), not {count}"
    else:
        broken = [f"{name} is {state}" for name, _address, state in rows if state not in ("running", "degraded")]
        problem = ", ".join(broken) or None
    if problem:
        log(f"lab {lab.name!r} is up but cannot be reused ({problem}): taking it down and starting it anew")
        _teardown(lab)
        return None
    members = lab.nodes(count)
    inventory.write(inventory_path, lab, members, ssh.ensure_key(lab))
    log(f"lab {lab.name!r} is already up with {count} running node(s): reusing it (inventory written again)")
    return {"nodes": members, "ready": {}, "reused": True}


def _create(lab, count, tree, inventory_path, timings):
    members = lab.nodes(count)
    if lab.state_dir.exists():
        _teardown(lab)  # stale files from before a reboot or crash
    record = {"name": lab.name, "subnet": str(lab.subnet), "nodes": [], "inventory": str(inventory_path)}
    write_state(lab, record)
    step = time.monotonic()
    public_key = ssh.ensure_key(lab)
    network.create_bridge(lab)
    record["aptproxy_pid"] = aptproxy.start(lab)
    pids = {}
    for node in members:
        network.create_node_network(lab, node)
        mode = nodes.mount_root(node, tree)
        nodes.configure_root(lab, node, members, public_key)
        pids[node.name] = nodes.start(lab, node)
        record["nodes"].append({"name": node.name, "address": node.address, "netns": node.netns, "pid": pids[node.name], "root": mode})
        write_state(lab, record)
    timings["start"] = time.monotonic() - step
    step = time.monotonic()
    ready = nodes.wait_ready(lab, members, pids, BOOT_TIMEOUT)
    timings["boot"] = time.monotonic() - step
    for entry in record["nodes"]:  # a node booted a second time has a new nspawn PID
        entry["pid"] = pids[entry["name"]]
    write_state(lab, record)
    inventory.write(inventory_path, lab, members, public_key)
    return {"nodes": members, "ready": ready}


def down(lab):
    """Remove every process, mount, link and namespace of the lab; safe to repeat."""
    with locked(lab):
        return _teardown(lab)


def _teardown(lab):
    started = time.monotonic()
    netns = [network.netns_path(name) for name in network.lab_namespaces(lab)]
    found = procs.lab_pids(lab.state_dir, netns)
    # nspawn first: SIGTERM makes it power the node off cleanly.
    left = procs.stop({pid for pid in found if procs.is_nspawn(pid)}, SHUTDOWN_TIMEOUT)
    left |= procs.stop(procs.lab_pids(lab.state_dir, netns), 5)
    if left:
        raise LabError(f"processes {sorted(left)} of lab {lab.name!r} survived SIGKILL; check them with ps and rerun ./lab down")
    nodes.remove_machine_leftovers(lab)
    busy = unmount_under(lab.state_dir)
    network.remove_network(lab)
    if busy:
        raise LabError(f"mounts still busy under {lab.state_dir}: {', '.join(busy)}; unmount them and rerun ./lab down")
    recorded = read_state(lab.state_dir)
    shutil.rmtree(lab.state_dir, ignore_errors=True)
    return {"seconds": time.monotonic() - started, "processes": len(found), "inventory": recorded.get("inventory")}


def status(lab):
    """Recorded nodes with their address and live state."""
    recorded = read_state(lab.state_dir)
    rows = []
    for entry in recorded.get("nodes", []):
        node = lab.node(int(entry["name"].removeprefix("node")))
        if not procs.is_alive(entry["pid"]):
            state = "stopped"
        else:
            code, output = ssh.remote(lab, node, ["systemctl", "is-system-running"], timeout=10)
            state = output if code in (0, 1) and output else "unreachable"
        rows.append((node.name, node.address, state))
    return recorded, rows
