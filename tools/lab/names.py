"""One way to name a lab, for `./lab`, `./lab k8s` and the pytest fixtures.

A name is given with ``--name`` or, for every command and fixture at once, with $BAREMETAL_LAB_NAME.
It is 1-8 lowercase letters or digits, starting with a letter: the name becomes part of Linux network
interface names (``bml-<name>-br``, ``bml-<name>-<i>``), and the kernel allows at most 15 characters there.
The control plane follows the same rule, so one name fits both halves of a lab.
"""

import os
import re

from tools.lab.errors import LabError

VARIABLE = "BAREMETAL_LAB_NAME"
DEFAULT = "lab"
MAX_LENGTH = 8
PATTERN = re.compile(rf"^[a-z][a-z0-9]{{0,{MAX_LENGTH - 1}}}$")
RESERVED = {"k8s": "the control planes keep their state under /var/lib/baremetal-lab/k8s"}


def default(fallback=DEFAULT):
    """The name a command uses without --name: $BAREMETAL_LAB_NAME, else ``fallback``."""
    return os.environ.get(VARIABLE) or fallback


def validate(name):
    """Return ``name``, or fail saying what a name may be and why."""
    if name in RESERVED:
        raise LabError(f"the lab name {name!r} is reserved ({RESERVED[name]}): pick another --name or ${VARIABLE}")
    if not PATTERN.match(name or ""):
        raise LabError(f"invalid lab name {name!r}: use 1-{MAX_LENGTH} lowercase letters or digits, starting with a letter "
                       f"(e.g. --name lab2 or {VARIABLE}=lab2). The limit is there because the name becomes part of the lab's "
                       f"network interface names (bml-<name>-br), and Linux allows 15 characters in an interface name")
    return name


HELP = (f"lab name: 1-{MAX_LENGTH} of [a-z0-9], starting with a letter (it becomes part of 15-character interface names); "
        f"default ${VARIABLE}, else {DEFAULT}")
