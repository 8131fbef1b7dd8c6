"""The lab itself, against real systemd-nspawn hosts: up, ssh, apt proxy, isolation, down.

Needs root, systemd-nspawn, debootstrap and apt-cacher-ng (scripts/setup).
Labs here use the names it*/ic*/ib* and subnets 10.213.4x.0/24 so they never
meet other tests' labs.
"""

import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.fixtures.lab_hosts import LAB, REPOSITORY, lab_command, require_lab_prerequisites, state_dir
from tools.lab import rootfs

pytestmark = pytest.mark.lab

NAME = "itest"
SUBNET = "10.213.40.0/24"
READY = ("running", "degraded")
# TEST-NET-3 (RFC 5737): never routed; the kernel must refuse it locally (no default route).
OUTSIDE_ADDRESS = "203.0.113.1"


@pytest.fixture(scope="module", name="lab")
def lab_fixture(lab_hosts):
    """Two real nodes for this module."""
    return lab_hosts(NAME, SUBNET, nodes=2)


def leftovers(name):
    """Everything of lab ``name`` still on the host, found independently of ./lab's own code."""
    prefix = f"bml-{name}-"
    netns_list = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    namespaces = [line.split()[0] for line in netns_list.splitlines() if line.startswith(prefix)]
    link_list = json.loads(subprocess.run(["ip", "-json", "link", "show"], capture_output=True, text=True, check=True).stdout)
    links = [link["ifname"] for link in link_list if link["ifname"].startswith(prefix)]
    base = str(state_dir(name))
    with open("/proc/self/mountinfo", encoding="utf-8") as mountinfo:
        mounts = [line.split()[4] for line in mountinfo if line.split()[4].startswith(base)]
    processes = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if base.encode() + b"/" in handle.read():
                    processes.append(int(pid))
        except OSError:
            continue
    return {"namespaces": namespaces, "links": links, "mounts": mounts, "processes": processes,
            "state": [base] if os.path.exists(base) else []}


def assert_nothing_left(name):
    """No namespace, link, mount, process or state directory of lab ``name`` remains."""
    left = leftovers(name)
    assert not any(left.values()), f"lab {name} left {left}"


def assert_one_line_error(result, expected):
    """A failed ./lab call: non-zero exit and one stderr line that explains."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lab: error:") and re.search(expected, lines[0]), lines[0]


def is_running(pid):
    """True for a live process (a zombie waiting for the host's init to reap it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def node_pids(name):
    """PIDs of the nspawn processes ./lab recorded for lab ``name``."""
    recorded = json.loads((state_dir(name) / "state.json").read_text(encoding="utf-8"))
    return [node["pid"] for node in recorded["nodes"]]


def test_every_node_boots_systemd_and_answers_ssh(lab):
    for host in lab.hosts:
        result = lab.ssh(host.name, "hostname; systemctl is-system-running")
        hostname, state = result.stdout.split()
        assert hostname == host.name
        assert state in READY, result.stdout


def test_inventory_is_shaped_like_production(lab):
    text = lab.inventory.read_text(encoding="utf-8")
    ansible_inventory = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")  # the venv's
    inventory = subprocess.run([ansible_inventory, "-i", str(lab.inventory), "--list"], capture_output=True, text=True,
                               check=True, cwd=REPOSITORY)
    groups = json.loads(inventory.stdout)
    assert groups["k8s_controlplane"]["hosts"] == ["node1"], text
    assert groups["k8s_etcd"]["hosts"] == ["node1"], text
    assert sorted(groups["k8s_worker"]["hosts"]) == ["node1", "node2"], text
    assert set(groups["k8s_cluster"]["children"]) == {"k8s_controlplane", "k8s_etcd", "k8s_worker"}
    node2 = groups["_meta"]["hostvars"]["node2"]
    assert node2["ansible_host"] == str(ipaddress.IPv4Network(SUBNET)[12])
    assert node2["ansible_user"] == "root"
    assert node2["node_allow_container_kernel"] is True
    assert "StrictHostKeyChecking=no" in node2["ansible_ssh_common_args"]


def test_nodes_have_their_own_identity(lab):
    identities = [lab.ssh(host.name, "cat /etc/machine-id; ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub").stdout
                  for host in lab.hosts]
    machine_ids = {identity.split()[0] for identity in identities}
    host_keys = {identity.split()[2] for identity in identities}
    assert len(machine_ids) == len(lab.hosts) and len(host_keys) == len(lab.hosts), identities


def test_apt_update_works_through_the_lab_proxy(lab):
    result = lab.ssh("node1", "apt-config dump Acquire::http::Proxy; apt-get update -q", timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"http://{lab.bridge_address}:3142" in result.stdout


def test_sudo_does_not_wait_for_dns(lab):
    result = lab.ssh("node2", "timeout 5 sudo -u nobody true && echo fast")
    assert result.stdout.strip() == "fast", result.stderr


def test_nodes_reach_each_other_and_the_host(lab):
    node2 = lab.hosts[1].address
    result = lab.ssh("node1", f"timeout 5 bash -c 'echo > /dev/tcp/{node2}/22' && timeout 5 bash -c 'echo > /dev/tcp/{lab.bridge_address}/3142' && echo ok")
    assert result.stdout.strip() == "ok", result.stderr


def test_nodes_cannot_reach_outside_their_subnet(lab):
    host_addresses = [info["local"] for link in json.loads(subprocess.run(["ip", "-json", "-4", "address", "show"], capture_output=True,
                                                                          text=True, check=True).stdout)
                      for info in link["addr_info"]
                      if not link["ifname"].startswith(f"bml-{lab.name}-") and not info["local"].startswith("127.")]
    routes = lab.ssh("node1", "ip -4 route show default").stdout.strip()
    assert routes == "", f"node1 has a default route: {routes}"
    for target in [OUTSIDE_ADDRESS] + host_addresses:
        result = lab.ssh("node1", f"timeout 5 bash -c 'echo > /dev/tcp/{target}/22' 2>&1; echo exit=$?")
        assert "exit=0" not in result.stdout, f"node1 reached {target}"
        assert "Network is unreachable" in result.stdout, result.stdout


def test_status_shows_every_node(lab):
    result = lab_command("status", "--name", lab.name)
    assert result.returncode == 0, result.stderr
    for host in lab.hosts:
        assert re.search(rf"{host.name}\s+{re.escape(host.address)}\s+(running|degraded)", result.stdout), result.stdout


def test_ssh_to_an_unknown_node_fails_with_one_line(lab):
    assert_one_line_error(lab_command("ssh", "--name", lab.name, "node9", "true"), "unknown node 'node9'")


def test_subnet_in_use_fails_and_leaves_nothing(lab):
    result = lab_command("up", "--name", "ibusy", "--subnet", lab.subnet, "--nodes", "1")
    assert_one_line_error(result, "already in use")
    assert_nothing_left("ibusy")


@pytest.mark.parametrize("count", ["0", "21", "many"])
def test_bad_node_count_fails_and_leaves_nothing(count):
    require_lab_prerequisites()
    assert_one_line_error(lab_command("up", "--name", "ibad", "--subnet", "10.213.42.0/24", "--nodes", count), "nodes")
    assert_nothing_left("ibad")


@pytest.mark.parametrize("arguments, expected", [
    (["up", "--name", "Bad-Name"], "invalid lab name"),
    (["up", "--name", "ibad", "--subnet", "10.213.42.0/16"], "invalid subnet"),
    (["ssh", "--name", "ibad", "node1"], "not up"),
])
def test_bad_input_fails_with_one_line(arguments, expected):
    require_lab_prerequisites()
    assert_one_line_error(lab_command(*arguments), expected)
    assert_nothing_left("ibad")


def test_missing_programs_fail_with_what_to_install(tmp_path):
    require_lab_prerequisites()
    # A PATH with only what the ./lab wrapper itself needs: the lab's tools are "not installed".
    for program in ("bash", "env", "dirname", "readlink"):
        (tmp_path / program).symlink_to(shutil.which(program))
    result = lab_command("up", "--name", "ibad", "--subnet", "10.213.42.0/24", env=dict(os.environ, PATH=str(tmp_path)))
    assert_one_line_error(result, "systemd-nspawn.*scripts/setup")
    assert_nothing_left("ibad")


def test_not_root_fails_with_one_line():
    require_lab_prerequisites()
    # The system Python: nobody can execute it (a venv under /root may not be reachable).
    python = shutil.which("python3", path="/usr/bin:/bin")
    assert python, "the not-root test needs /usr/bin/python3 (apt-get install python3)"
    as_nobody = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(LAB),
                                "up", "--name", "ibad", "--subnet", "10.213.42.0/24"],
                               capture_output=True, text=True, check=False, timeout=60, env=dict(os.environ, PYTHON=python))
    assert_one_line_error(as_nobody, "needs root")
    assert_nothing_left("ibad")


def test_down_removes_everything_and_is_safe_twice():
    require_lab_prerequisites()
    up = lab_command("up", "--name", "idown", "--subnet", "10.213.43.0/24", "--nodes", "1")
    try:
        assert up.returncode == 0, up.stderr
        assert leftovers("idown")["namespaces"] == ["bml-idown-node1"]
    finally:
        first = lab_command("down", "--name", "idown")
    assert first.returncode == 0, first.stderr
    assert_nothing_left("idown")
    second = lab_command("down", "--name", "idown")
    assert second.returncode == 0, second.stderr
    assert_nothing_left("idown")


def test_down_after_a_crash_cleans_up():
    require_lab_prerequisites()
    up = lab_command("up", "--name", "icrash", "--subnet", "10.213.44.0/24", "--nodes", "2")
    try:
        assert up.returncode == 0, up.stderr
        for pid in node_pids("icrash"):
            os.kill(pid, signal.SIGKILL)  # nspawn dies; the nodes' systemd keeps running in its namespace
        time.sleep(1)
        orphans = subprocess.run(["ip", "netns", "pids", "bml-icrash-node1"], capture_output=True, text=True, check=False).stdout.split()
        assert orphans, "expected node processes to outlive their killed nspawn"
    finally:
        down = lab_command("down", "--name", "icrash")
    assert down.returncode == 0, down.stderr
    assert_nothing_left("icrash")
    assert not [pid for pid in orphans if is_running(pid)]


def test_up_that_fails_midway_cleans_up(tmp_path):
    require_lab_prerequisites()
    # A cached "rootfs" that is no OS: nspawn refuses to boot it after network and mounts exist.
    broken = tmp_path / "rootfs" / rootfs.rootfs_dir().name
    (broken / "etc" / "ssh").mkdir(parents=True)
    environment = dict(os.environ, BAREMETAL_LAB_CACHE=str(tmp_path))
    result = lab_command("up", "--name", "ibroken", "--subnet", "10.213.45.0/24", "--nodes", "1", env=environment)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("lab: error:"), result.stderr
    assert_nothing_left("ibroken")
