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
