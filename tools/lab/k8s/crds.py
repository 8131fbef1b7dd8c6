"""Loading upstream CRD sets into a lab control plane, at the versions the collection's roles pin.

The CRDs are upstream data, not code: ../shared/upstream/<component>/<version>/... next to the checkout
(or $BAREMETAL_UPSTREAM_DATA). The version of each set is the one its role pins in defaults/main.yml, so the
lab validates custom resources against exactly what users get. Without that data (a user's own clone),
`lab k8s crds --fetch` downloads the same files from the upstream repositories and checks each against the
sha256 recorded in crd_sources.json (tools/lab/k8s/crd_sources.py writes that file from the data).

Server-side apply: the largest CRDs (PGO's PostgresCluster, ~2.8 MB) exceed the 256 KiB annotation limit of
client-side apply. kubectl is the one built with the control plane, never a host kubectl.
"""

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

from tools.lab.errors import LabError
from tools.lab.k8s import paths
from tools.lab.k8s.api import Api

SOURCES_FILE = Path(__file__).resolve().parent / "crd_sources.json"
DATA_VARIABLE = "BAREMETAL_UPSTREAM_DATA"
FETCH_BASE_VARIABLE = "BAREMETAL_UPSTREAM_URL"
FETCH_BASE = "https://raw.githubusercontent.com"


@dataclasses.dataclass(frozen=True)
class CrdSet:
    """Where a set's CRDs live in the upstream data, and which role variable pins its version."""

    name: str
    role: str
    variable: str
    directory: str  # under the data root; {version} is the pin as the data names it
    version_prefix: str = ""  # the data names PGO's versions v6.0.3 while the role pins 6.0.3

    def pin(self):
        """The version the role pins (read from its defaults; the lab runs without PyYAML)."""
        defaults = paths.REPO_ROOT / "roles" / self.role / "defaults" / "main.yml"
        # A plain pin (name: 1.2.3), or one that follows a platform_* variable (name: "{{ platform_x | default('1.2.3') }}").
        match = re.search(rf"^{self.variable}:\s*(?:\"\{{\{{\s*platform_\w+\s*\|\s*default\('([^']+)'\)\s*\}}\}}\"|[\"']?([^\"'\s#{{]+))",
                          defaults.read_text(encoding="utf-8"), re.MULTILINE)
        if not match:
            raise LabError(f"cannot read {self.variable} from {defaults}: the CRD set {self.name!r} follows that pin")
        version = match.group(1) or match.group(2)
        return version if version.startswith(self.version_prefix) else self.version_prefix + version

    def relative_dir(self, version=None):
        """The set's directory under the data root, at ``version`` (default: the role's pin)."""
        return self.directory.format(version=version or self.pin())


SETS = {crd_set.name: crd_set for crd_set in (
    CrdSet("cert-manager", "cert_manager", "cert_manager_chart_version", "cert-manager/{version}/crds"),
    CrdSet("metallb", "metallb", "metallb_chart_version", "metallb/{version}/crds"),
    CrdSet("pgo", "postgres_operator", "postgres_operator_version", "postgres-operator/{version}/crds", version_prefix="v"),
    CrdSet("istio", "istio", "istio_chart_version", "istio/{version}/base/files"),
)}
KNOWN_SETS = tuple(SETS)


def data_root():
    """The upstream data: $BAREMETAL_UPSTREAM_DATA, else ../shared/upstream next to the checkout."""
    return Path(os.environ.get(DATA_VARIABLE) or paths.REPO_ROOT.parent / "shared" / "upstream")


def fetched_root():
    """Where `--fetch` keeps downloaded files (the lab cache; they are checked again on every use)."""
    return paths.cache_root() / "upstream"


def _crd_set(name):
    if name not in SETS:
        raise LabError(f"unknown CRD set {name!r}: known sets are {', '.join(KNOWN_SETS)}")
    return SETS[name]


def set_files(name):
    """The YAML files of CRD set ``name`` at its role's pin; fail saying where the lab looked and what to do."""
    crd_set = _crd_set(name)
    relative = crd_set.relative_dir()
    for root in (data_root(), fetched_root()):
        files = sorted((root / relative).glob("*.yaml")) if (root / relative).is_dir() else []
        if files:
            return files
    root = data_root()
    component = relative.split("/", 1)[0]
    there = sorted(entry.name for entry in (root / component).iterdir() if entry.is_dir()) if (root / component).is_dir() else []
    known = f" (versions there: {', '.join(there)})" if there else ""
    raise LabError(
        f"CRD set {name!r}: no YAML files in {root / relative}{known}. The set follows {crd_set.variable} in "
        f"roles/{crd_set.role}/defaults/main.yml ({crd_set.pin()}). The upstream data is looked for in ../shared/upstream next "
        f"to the checkout, or in ${DATA_VARIABLE}; with internet access, `./lab k8s crds --fetch {name}` downloads the same "
        f"files (checked against tools/lab/k8s/crd_sources.json) into {fetched_root()}")


def fetch(names, progress=print):
    """Download the pinned files of the named sets from upstream, each checked against its recorded sha256."""
    sources = json.loads(SOURCES_FILE.read_text(encoding="utf-8"))
    base = os.environ.get(FETCH_BASE_VARIABLE, FETCH_BASE).rstrip("/")
    for name in names:
        relative = _crd_set(name).relative_dir()
        entries = sources.get(relative)
        if not entries:
            raise LabError(f"no download sources recorded for {relative} in {SOURCES_FILE}: regenerate it with "
                           "`python3 -m tools.lab.k8s.crd_sources` from a checkout that has the upstream data")
        target = fetched_root() / relative
        target.mkdir(parents=True, exist_ok=True)
        for entry in entries:
            url = f"{base}/{entry['repo']}/{entry['ref']}/{entry['path']}"
            try:
                with urllib.request.urlopen(url, timeout=60) as response:  # nosec - pinned upstream URL, checked below
                    content = response.read()
            except OSError as error:
                raise LabError(f"cannot download {url}: {error}") from error
            digest = hashlib.sha256(content).hexdigest()
            if digest != entry["sha256"]:
                raise LabError(f"{url} has sha256 {digest}, expected {entry['sha256']}: refusing it (nothing was written)")
            (target / entry["file"]).write_bytes(content)
        progress(f"fetched {len(entries)} file(s) of CRD set {name} into {target}")


def kubectl(state, *arguments, timeout=300):
    """Run the lab's kubectl against control plane ``state``; return stdout, or fail with its error."""
    argv = [state["binaries"]["kubectl"], f"--kubeconfig={state['kubeconfig']}", *arguments]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise LabError(f"kubectl {' '.join(arguments[:3])} did not finish within {timeout}s") from error
    if result.returncode != 0:
        raise LabError(f"kubectl {' '.join(arguments[:3])} failed: {result.stderr.strip()[-500:]}")
    return result.stdout


def is_established(condition_lists):
    """True when a CRD's status.conditions (possibly absent yet) says Established=True."""
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in condition_lists or [])


def wait_established(state, names, timeout=120, interval=0.5):
    """Poll the CRDs ``names`` until each is Established; a CRD with no conditions yet is simply not ready.

    `kubectl wait` right after an apply races the API server: before it has written any condition,
    kubectl fails with ".status.conditions accessor error: <nil>". Polling has no such window.
    """
    api = Api(state["ports"]["apiserver"], Path(state["state_dir"]) / "pki")
    pending = set(names)
    deadline = time.monotonic() + timeout
    while pending:
        for name in sorted(pending):
            status, body = api.request("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
            if status == 200 and is_established(body.get("status", {}).get("conditions")):
                pending.discard(name)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise LabError(f"CRDs not Established after {timeout}s: {', '.join(sorted(pending))}")
        time.sleep(interval)


def apply_files(state, files, progress=print):
    """Server-side apply CRD files and wait until every CRD in them is Established."""
    arguments = []
    for path in files:
        arguments += ["-f", str(path)]
    output = kubectl(state, "apply", "--server-side", "--force-conflicts", "--field-manager=baremetal-lab", "-o", "name", *arguments)
    names = [line.split("/", 1)[1] for line in output.split() if line.startswith("customresourcedefinition")]
    wait_established(state, names)
    progress(f"applied {len(names)} CRD(s) from {len(files)} file(s), all Established")


def load(state, names, progress=print):
    """Load the named CRD sets (all files found before anything is applied)."""
    files = {name: set_files(name) for name in names}
    for name in names:
        progress(f"loading CRD set {name} ({_crd_set(name).pin()}) ...")
        apply_files(state, files[name], progress)
