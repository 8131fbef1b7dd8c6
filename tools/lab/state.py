"""Names, addresses and on-disk state of one lab.

Everything a lab makes is derived from its name, so ``lab down`` can find
leftovers by naming convention even when the state file is missing:

* state directory   /var/lib/baremetal-lab/<name>/  (BAREMETAL_LAB_STATE overrides the root)
* bridge            bml-<name>-br
* host veth ends    bml-<name>-<i>
* network namespace bml-<name>-node<i>

The state lives under /var/lib, not /run: the nodes' overlay upper layers hold
everything the nodes install (packages, container images), which belongs on
disk, not in RAM. Kernel objects vanish at reboot; ``lab up`` and ``lab down``
treat a state directory without them as stale and clean it.
"""

import contextlib
import dataclasses
import fcntl
import ipaddress
import json
import os
from pathlib import Path

from tools.lab import names
from tools.lab.errors import LabError

KERNEL_PREFIX = "bml"
DEFAULT_NAME = names.DEFAULT
DEFAULT_SUBNET = "10.213.0.0/24"
MIN_NODES = 1
MAX_NODES = 20
HOST_OCTET = 1
FIRST_NODE_OCTET = 11
STATE_FILE = "state.json"


def state_root():
    """Directory that holds one state directory per lab."""
    return Path(os.environ.get("BAREMETAL_LAB_STATE", "/var/lib/baremetal-lab"))


def cache_root():
    """Shared cache (root filesystems, apt-cacher-ng data) kept across labs."""
    return Path(os.environ.get("BAREMETAL_LAB_CACHE", "/var/cache/baremetal-lab"))


def validate_name(name):
    """Return the name, or fail: it becomes part of 15-character interface names (tools/lab/names.py)."""
    return names.validate(name)


def parse_subnet(text):
    """Return the IPv4 /24 the lab uses, or fail with the expected form."""
    try:
        subnet = ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        subnet = None
    if subnet is None or subnet.prefixlen != 24:
        raise LabError(f"invalid subnet {text!r}: give a network address with /24, e.g. --subnet 10.213.5.0/24")
    return subnet


def validate_node_count(count):
    """Fail unless the node count is within MIN_NODES..MAX_NODES."""
    if not MIN_NODES <= count <= MAX_NODES:
        raise LabError(f"--nodes {count} is out of range: choose {MIN_NODES} to {MAX_NODES} nodes")
    return count


@dataclasses.dataclass(frozen=True)
class Node:
    """One test host: its name, address and the kernel objects it uses."""

    index: int
    name: str
    address: str
    netns: str
    host_veth: str
    state_dir: Path

    @property
    def root(self):
        """Merged root filesystem the node boots from."""
        return self.state_dir / "root"


@dataclasses.dataclass(frozen=True)
class Lab:
    """Names and addresses of one lab, all derived from its name and subnet."""

    name: str
    subnet: ipaddress.IPv4Network

    @property
    def prefix(self):
        """Prefix of every kernel object of this lab (links, namespaces)."""
        return f"{KERNEL_PREFIX}-{self.name}-"

    @property
    def state_dir(self):
        """Directory with everything of this lab on disk."""
        return state_root() / self.name

    @property
    def bridge(self):
        """The lab's private bridge; the host's side of the /24."""
        return f"{self.prefix}br"

    @property
    def bridge_address(self):
        """The host's address on the bridge, the only address nodes can reach."""
        return str(self.subnet[HOST_OCTET])

    @property
    def ssh_key(self):
        """Private key that logs in as root on every node."""
        return self.state_dir / "ssh" / "id_ed25519"

    @property
    def apt_proxy_url(self):
        """apt-cacher-ng on the bridge address."""
        return f"http://{self.bridge_address}:3142"

    def node(self, index):
        """Node number ``index`` (1-based)."""
        return Node(
            index=index,
            name=f"node{index}",
            address=str(self.subnet[FIRST_NODE_OCTET + index - 1]),
            netns=f"{self.prefix}node{index}",
            host_veth=f"{self.prefix}{index}",
            state_dir=self.state_dir / "nodes" / f"node{index}",
        )

    def nodes(self, count):
        """The first ``count`` nodes."""
        return [self.node(index) for index in range(1, count + 1)]


def lab_for_name(name):
    """The lab recorded under ``name`` (subnet from its state file, else the default)."""
    validate_name(name)
    recorded = read_state(state_root() / name)
    subnet = recorded.get("subnet", DEFAULT_SUBNET)
    return Lab(name=name, subnet=parse_subnet(subnet))


def read_state(state_dir):
    """The recorded state, or {} when none (or an unreadable one) exists."""
    try:
        return json.loads((Path(state_dir) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_state(lab, data):
    """Record the state atomically so a crash never leaves half a file."""
    lab.state_dir.mkdir(parents=True, exist_ok=True)
    target = lab.state_dir / STATE_FILE
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, target)


@contextlib.contextmanager
def locked(lab):
    """Serialise ``up``/``down`` of one lab (the lock file lives beside the state directory)."""
    root = state_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{lab.name}.lock", "w", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise LabError(f"another ./lab command is working on lab {lab.name!r}; wait for it to finish") from error
        yield
