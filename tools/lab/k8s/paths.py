"""Where the control plane keeps binaries (cache, shared by all runs) and state (one directory per cluster)."""

import os
from pathlib import Path

from tools.lab import names

DEFAULT_NAME = names.DEFAULT
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
    """Return the cluster name, or fail: the same rule as the lab's hosts (tools/lab/names.py)."""
    return names.validate(name)


def state_dir(name):
    """State directory of the control plane called ``name``."""
    return state_root() / validate_name(name)
