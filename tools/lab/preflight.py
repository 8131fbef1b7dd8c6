"""Checks that run before the lab touches anything."""

import os
import shutil

from tools.lab.errors import LabError

# program -> Debian package that provides it
REQUIRED_PROGRAMS = {
    "systemd-nspawn": "systemd-container",
    "debootstrap": "debootstrap",
    "apt-cacher-ng": "apt-cacher-ng",
    "ip": "iproute2",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
}


def require_root():
    """The lab creates namespaces, links and mounts: only root can."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (namespaces, links, mounts): run it with sudo, e.g. sudo ./lab up")


def require_programs():
    """Fail naming the packages to install when a program is missing."""
    missing = {name: package for name, package in REQUIRED_PROGRAMS.items() if shutil.which(name) is None}
    if missing:
        packages = " ".join(sorted(set(missing.values())))
        raise LabError(f"{', '.join(sorted(missing))} not found: run scripts/setup as root or apt-get install {packages}")


# Each node's systemd, journald, logind and dbus hold about 7 inotify instances, dockerd and a kubelet
# more. At the kernel's default of 128 per user (root, for every node), a dozen lab nodes exhaust it:
# units fail with "Failed to create inotify object: Too many open files" and nspawn exits while booting.
INOTIFY_LIMITS = {"max_user_instances": 1024, "max_user_watches": 524288}  # the values kind recommends


def raise_inotify_limits(log=print, directory="/proc/sys/fs/inotify"):
    """Raise fs.inotify limits that are below what many nodes need; say what changed. Never lowers them."""
    for setting, wanted in INOTIFY_LIMITS.items():
        path = f"{directory}/{setting}"
        with open(path, encoding="ascii") as handle:
            current = int(handle.read())
        if current < wanted:
            with open(path, "w", encoding="ascii") as handle:
                handle.write(str(wanted))
            log(f"raised fs.inotify.{setting} from {current} to {wanted} for the lab's nodes "
                f"(until reboot; persist it in /etc/sysctl.d/ if you like)")
