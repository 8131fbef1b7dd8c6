"""Node root filesystems and booting them with systemd-nspawn.

Each node boots from an overlay of the cached rootfs (lower) and its own
upper/work directories (a plain copy when overlay mounts fail). Before boot the
node gets its identity: hostname, /etc/hosts, a resolver that fails fast,
machine-id, its own SSH host keys, the lab key for root and apt through the
lab's proxy.
"""

import glob
import os
import re
import shutil
import subprocess
import time
import uuid

from tools.lab.commands import run
from tools.lab.errors import LabError
from tools.lab.mounts import unmount_under
from tools.lab.network import netns_path
from tools.lab.procs import is_alive, marker
from tools.lab.ssh import remote

# Container engines refuse overlay2 on an overlay root: these get plain directories on disk.
ENGINE_DIRECTORIES = ("/var/lib/docker", "/var/lib/containerd", "/var/lib/rancher")
READY_STATES = ("running", "degraded")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
HOST_KEY_TYPES = ("ed25519", "ecdsa")
SOURCES = """\
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
"""


def machine_name(lab, node):
    """nspawn machine name: unique across labs (nspawn keeps per-machine state in /run/systemd/nspawn)."""
    return f"{lab.prefix}{node.name}"


def _engine_source(node, directory):
    return node.state_dir / "engine" / directory.strip("/").replace("/", "-")


def mount_root(node, rootfs):
    """Mount the overlay root (or copy the tree); return 'overlay' or 'copy'."""
    for sub in ("upper", "work", "root"):
        (node.state_dir / sub).mkdir(parents=True, exist_ok=True)
    options = f"lowerdir={rootfs},upperdir={node.state_dir / 'upper'},workdir={node.state_dir / 'work'}"
    if run(["mount", "-t", "overlay", "overlay", "-o", options, str(node.root)], check=False).returncode == 0:
        return "overlay"
    run(["cp", "-a", "--reflink=auto", f"{rootfs}/.", str(node.root)], timeout=600)
    return "copy"


def _write(root, path, text, mode=0o644):
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        target.unlink()
    target.write_text(text, encoding="utf-8")
    os.chmod(target, mode)


def configure_root(lab, node, nodes, public_key):
    """Give the node its identity before it boots."""
    root = node.root
    hosts = ["127.0.0.1 localhost", f"127.0.1.1 {node.name}", "::1 localhost ip6-localhost ip6-loopback",
             f"{lab.bridge_address} lab-host"]
    hosts += [f"{other.address} {other.name}" for other in nodes]
    _write(root, "/etc/hostname", node.name + "\n")
    _write(root, "/etc/hosts", "\n".join(hosts) + "\n")
    # The host's resolver is unreachable from a node; 127.0.0.1 fails fast (sudo would hang ~30 s).
    _write(root, "/etc/resolv.conf", "nameserver 127.0.0.1\n")
    _write(root, "/etc/machine-id", uuid.uuid4().hex + "\n", 0o444)
    for old_key in (root / "etc" / "ssh").glob("ssh_host_*"):
        old_key.unlink()
    for key_type in HOST_KEY_TYPES:  # no RSA: generating it costs seconds per node
        key = f"/etc/ssh/ssh_host_{key_type}_key"
        run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-C", f"root@{node.name}", "-f", str(root / key.lstrip("/"))])
    _write(root, "/etc/ssh/sshd_config.d/00-baremetal-lab.conf",
           "".join(f"HostKey /etc/ssh/ssh_host_{key_type}_key\n" for key_type in HOST_KEY_TYPES))
    (root / "root" / ".ssh").mkdir(mode=0o700, parents=True, exist_ok=True)
    _write(root, "/root/.ssh/authorized_keys", public_key + "\n", 0o600)
    _write(root, "/etc/apt/sources.list", SOURCES)
    # A proxy that stops answering fails apt after a minute (and apt retries) instead of hanging it.
    _write(root, "/etc/apt/apt.conf.d/01baremetal-lab-proxy",
           f'Acquire::http::Proxy "{lab.apt_proxy_url}";\nAcquire::http::Timeout "60";\n')
    for directory in ENGINE_DIRECTORIES:
        _engine_source(node, directory).mkdir(parents=True, exist_ok=True)


def start(lab, node):
    """Boot the node in its network namespace; return the nspawn PID."""
    argv = ["systemd-nspawn", "--quiet", "-D", str(node.root), "--boot", "--register=no", "--keep-unit",
            f"--network-namespace-path={netns_path(node.netns)}", "-M", machine_name(lab, node),
            f"--hostname={node.name}", "--capability=all", "--resolv-conf=off", "--timezone=off",
            "--link-journal=no", f"--setenv={marker(lab.state_dir)}"]
    argv += [f"--bind={_engine_source(node, directory)}:{directory}" for directory in ENGINE_DIRECTORIES]
    # Nodes must run dockerd and set net.* sysctls in their own namespace.
    environment = dict(os.environ, SYSTEMD_NSPAWN_API_VFS_WRITABLE="network")
    with open(node.state_dir / "console.log", "ab") as console:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                   env=environment, start_new_session=True)
    return process.pid


def console_tail(node, lines=6):
    """The last lines of a node's console (colours removed), for an error message."""
    try:
        text = (node.state_dir / "console.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no console.log)"
    text = ANSI_ESCAPE.sub("", text)
    tail = " | ".join([line.strip() for line in text.splitlines() if line.strip()][-lines:]) or "(console.log is empty)"
    if "Failed to create inotify object" in text:
        tail += " (the host ran out of inotify instances: raise fs.inotify.max_user_instances)"
    return tail


def wait_ready(lab, nodes, pids, timeout):
    """Wait until every node's systemd is running or degraded; return seconds per node name.

    A node whose nspawn exits while booting is booted once more (seen once in a long CI run, its cause not
    recorded); ``pids`` is updated in place. A second exit is an error quoting the node's console.
    """
    started = time.monotonic()
    ready = {}
    restarted = set()
    rebooted = set()
    while len(ready) < len(nodes):
        for node in nodes:
            if node.name in ready:
                continue
            if not is_alive(pids[node.name]):
                if node.name in rebooted:
                    raise LabError(f"{node.name} stopped while booting, twice; its console ends with: {console_tail(node)}; "
                                   f"see {node.state_dir / 'console.log'}")
                rebooted.add(node.name)
                remove_machine_leftovers(lab, node)
                with open(node.state_dir / "console.log", "ab") as console:
                    console.write(b"\n--- baremetal-lab: nspawn exited while booting; booting once more ---\n")
                pids[node.name] = start(lab, node)
                continue
            code, output = remote(lab, node, ["systemctl", "is-system-running"], timeout=10)
            if code in (0, 1) and output == "degraded" and node.name not in restarted:
                # A unit that failed while booting under load (seen: systemd-user-sessions
                # exiting 219/CGROUP, which leaves /run/nologin and refuses user logins):
                # start the failed units once more before calling the node ready.
                restarted.add(node.name)
                remote(lab, node, ["systemctl --failed --plain --no-legend | awk '{print $1}' | xargs -r systemctl restart"], timeout=60)
                continue
            if code in (0, 1) and output in READY_STATES:
                ready[node.name] = time.monotonic() - started
        if time.monotonic() - started > timeout:
            waiting = ", ".join(node.name for node in nodes if node.name not in ready)
            raise LabError(f"{waiting} did not finish booting within {timeout}s; see console.log under {lab.state_dir}/nodes")
        if len(ready) < len(nodes):
            time.sleep(0.5)
    return ready


def remove_machine_leftovers(lab, node=None):
    """nspawn's per-machine directories survive a SIGKILLed nspawn; remove this lab's (or one node's)."""
    pattern = machine_name(lab, node) if node else f"{lab.prefix}*"
    for leftover in glob.glob(f"/run/systemd/nspawn/propagate/{pattern}"):
        if not unmount_under(leftover):
            shutil.rmtree(leftover, ignore_errors=True)
