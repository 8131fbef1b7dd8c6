"""Finding and stopping a lab's processes by scanning /proc, without trusting a state file.

A lab's processes are recognised three ways, so a crash cannot hide any:
* systemd-nspawn processes whose command line names a directory under the lab's state dir;
* processes whose environment carries the lab's marker (nspawn passes it to each node's init);
* processes inside one of the lab's network namespaces (everything a node runs).
"""

import os
import signal
import time

MARKER_VARIABLE = "BAREMETAL_LAB"


def read_file(path):
    """Bytes of a /proc (or any) file; empty when it cannot be read (the process is gone)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _pids():
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and int(entry) != os.getpid()]


def _namespace_inodes(paths):
    inodes = set()
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            continue
        inodes.add((status.st_dev, status.st_ino))
    return inodes


def marker(state_dir):
    """The environment entry that tags a node's init as belonging to this lab."""
    return f"{MARKER_VARIABLE}={state_dir}"


def lab_pids(state_dir, netns_paths=(), cmdline_tags=()):
    """PIDs of processes that belong to the lab rooted at ``state_dir``."""
    state_prefix = str(state_dir).rstrip("/") + "/"
    tag = marker(state_dir).encode()
    namespaces = _namespace_inodes(netns_paths)
    found = set()
    for pid in _pids():
        arguments = read_file(f"/proc/{pid}/cmdline").split(b"\0")
        text = [argument.decode(errors="replace") for argument in arguments]
        if any(argument.startswith(state_prefix) for argument in text) or any(t in text for t in cmdline_tags):
            found.add(pid)
        elif tag in read_file(f"/proc/{pid}/environ").split(b"\0"):
            found.add(pid)
        elif namespaces and _namespace_inodes([f"/proc/{pid}/ns/net"]) & namespaces:
            found.add(pid)
    return found


def is_alive(pid):
    """True while ``pid`` exists and is not a zombie (reaping our own children on the way)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    stat = read_file(f"/proc/{pid}/stat")
    if not stat:
        return False
    return stat.rsplit(b")", 1)[-1].split()[0] != b"Z"


def _signal(pids, signum):
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def wait_gone(pids, timeout):
    """Wait up to ``timeout`` seconds; return the PIDs still alive."""
    deadline = time.monotonic() + timeout
    alive = {pid for pid in pids if is_alive(pid)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = {pid for pid in alive if is_alive(pid)}
    return alive


def stop(pids, timeout=10):
    """SIGTERM (clean shutdown), then SIGKILL whatever is left after ``timeout`` seconds."""
    _signal(pids, signal.SIGTERM)
    left = wait_gone(pids, timeout)
    _signal(left, signal.SIGKILL)
    return wait_gone(left, 10)


def kill(pids):
    """SIGKILL now; return what survived a short wait."""
    _signal(pids, signal.SIGKILL)
    return wait_gone(pids, 10)


def is_nspawn(pid):
    """True for a systemd-nspawn process (the parent of a node)."""
    program = read_file(f"/proc/{pid}/cmdline").split(b"\0")[0]
    return os.path.basename(program) == b"systemd-nspawn"
