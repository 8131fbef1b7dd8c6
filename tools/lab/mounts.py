"""Finding and removing the host mounts a lab (or a crashed build) left under a directory."""

import os

from tools.lab.commands import run


def _decode(field):
    """mountinfo escapes spaces and the like as octal (\\040)."""
    return field.encode().decode("unicode_escape")


def mounts_under(directory):
    """Mount points at or below ``directory``, deepest first."""
    base = os.path.realpath(directory)
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as mountinfo:
        for line in mountinfo:
            point = _decode(line.split()[4])
            if point == base or point.startswith(base + "/"):
                found.append(point)
    return sorted(set(found), key=lambda path: path.count("/"), reverse=True)


def unmount_under(directory):
    """Unmount everything below ``directory``; lazily when something still holds it."""
    for point in mounts_under(directory):
        if run(["umount", point], check=False).returncode != 0:
            run(["umount", "--lazy", point], check=False)
    return mounts_under(directory)
