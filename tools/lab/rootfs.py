"""The Debian 12 root filesystem every node boots from, built once and cached.

The cache key covers everything that shapes the tree (suite, mirror, package
list, post-processing version), so changing the package list builds a new one.
A build happens in a temporary directory that is renamed into place only when
complete: a crashed or interrupted build is never reused.
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import time

from tools.lab.commands import run
from tools.lab.errors import LabError
from tools.lab.mounts import unmount_under
from tools.lab.state import cache_root

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
# What a fresh VPS image has (systemd, sshd, Python for Ansible); everything else comes
# from the apt proxy. No python3-apt: fresh Debian/Ubuntu servers lack it, and the node
# role must bootstrap it (check mode fails at the first apt task without it).
INCLUDE = (
    "systemd", "systemd-sysv", "dbus", "openssh-server", "python3",
    "iproute2", "sudo", "procps", "kmod", "ca-certificates",
)
# Bump when prepare_tree() changes what ends up in the cached tree.
RECIPE_VERSION = "1"
BUILD_TIMEOUT = 1800


def cache_key():
    """Short hash of everything that shapes the tree."""
    recipe = "\n".join([SUITE, MIRROR, "minbase", ",".join(sorted(INCLUDE)), RECIPE_VERSION])
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def rootfs_dir():
    """Where the finished tree for the current recipe lives."""
    return cache_root() / "rootfs" / f"{SUITE}-{cache_key()}"


def ensure_rootfs(log=print):
    """Return the cached tree, building it first when missing (one build at a time)."""
    target = rootfs_dir()
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(target):
        if target.is_dir():  # another command built it while we waited
            return target
        _remove_stale_builds(target)
        building = target.parent / f".build-{target.name}-{os.getpid()}"
        log(f"building the {SUITE} root filesystem (debootstrap, cached in {target.parent}) ...")
        started = time.monotonic()
        try:
            run(["debootstrap", "--variant=minbase", f"--include={','.join(INCLUDE)}", SUITE, str(building), MIRROR],
                timeout=BUILD_TIMEOUT)
            prepare_tree(building)
            os.rename(building, target)
        except BaseException:
            _discard(building)
            raise
        log(f"root filesystem built in {time.monotonic() - started:.0f}s")
    return target


def prepare_tree(root):
    """Make the tree neutral so every node gets its own identity at boot."""
    for key in (root / "etc" / "ssh").glob("ssh_host_*"):
        key.unlink()  # every node gets its own host keys (nodes.py)
    (root / "etc" / "machine-id").write_text("", encoding="utf-8")
    dbus_id = root / "var" / "lib" / "dbus" / "machine-id"
    if dbus_id.is_symlink() or dbus_id.exists():
        dbus_id.unlink()
    run(["chroot", str(root), "apt-get", "clean"])
    if not (root / "usr" / "lib" / "systemd" / "systemd").exists():
        raise LabError(f"debootstrap produced no systemd in {root}; check the include list in tools/lab/rootfs.py")


@contextlib.contextmanager
def _build_lock(target):
    with open(target.parent / f".{target.name}.lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _remove_stale_builds(target):
    """Remove builds of this key left by a crash (we hold the build lock)."""
    for stale in target.parent.glob(f".build-{target.name}-*"):
        _discard(stale)


def _discard(tree):
    """Delete a partial tree, never through a /proc or /sys debootstrap left mounted in it."""
    if not unmount_under(tree):
        shutil.rmtree(tree, ignore_errors=True)
