"""Where the control plane keeps binaries (cache, shared by all runs) and state (one directory per cluster)."""

import os
import re
from pathlib import Path

from tools.lab.errors import LabError

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
DEFAULT_NAME = "default"
GOMOD_DIR = Path(__file__).resolve().parent / "gomod"
REPO_ROOT = Path(__file__).resolve().parents[3]


def cache_root():
    """Build cache (binaries, build logs); $BAREMETAL_LAB_CACHE overrides /var/cache/baremetal-lab."""
    return Path(os.environ.get("BAREMETAL_LAB_CACHE", "/var/cache/baremetal-lab"))


def bin_dir(component):
    """Cache directory of one component's binaries: the version is in the path, so a new pin rebuilds."""
    return cache_root() / "bin" / component.key


def log_dir():
    """Build logs, kept so a failed build can be read in full."""
    return cache_root() / "build-logs"


def state_root():
    """Parent of the clusters' state directories; $BAREMETAL_LAB_STATE overrides /var/lib/baremetal-lab."""
    return Path(os.environ.get("BAREMETAL_LAB_STATE", "/var/lib/baremetal-lab")) / "k8s"


def validate_name(name):
    """Return the cluster name, or fail: it names a directory and appears in process command lines."""
    if not NAME_PATTERN.match(name or ""):
        raise LabError(f"invalid control plane name {name!r}: use lowercase letters, digits and '-', starting with a letter (e.g. --name old)")
    return name


def state_dir(name):
    """State directory of the control plane called ``name``."""
    return state_root() / validate_name(name)


def crds_root():
    """Upstream CRD sets: $BAREMETAL_LAB_CRDS, else ../shared/crds next to the checkout."""
    return Path(os.environ.get("BAREMETAL_LAB_CRDS", REPO_ROOT.parent / "shared" / "crds"))
